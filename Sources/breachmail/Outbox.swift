import Foundation

/// A Maildir that stands in for the SMTP relay: each message is written to `tmp/`, flushed, and
/// renamed into `new/`, so a reader never sees half a message. Files are 0600.
///
/// Deliberately minimal: the `BreachTransport` target replaces it with the real transport.
struct Outbox {
    let directory: URL

    /// Where `mail.transport` says messages go.
    enum Transport: Equatable {
        case outbox(String)
        case smtp(String)

        init(_ setting: String) {
            if setting.hasPrefix("outbox:") {
                self = .outbox(String(setting.dropFirst("outbox:".count)))
            } else {
                self = .smtp(setting)
            }
        }
    }

    struct WriteError: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes `bytes` as one message; returns the path of the file in `new/`.
    func deliver(_ bytes: [UInt8]) throws -> URL {
        let fm = FileManager.default
        for sub in ["tmp", "new", "cur"] {
            let url = directory.appendingPathComponent(sub, isDirectory: true)
            do {
                try fm.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw WriteError(description: "cannot create the outbox folder \(url.path): check that \(directory.path) is writable.")
            }
        }
        var random = SystemRandomNumberGenerator()
        let host = ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "_")
        let name = "\(Int(Date().timeIntervalSince1970)).P\(getpid())R\(String(random.next() as UInt64, radix: 16)).\(host)"
        let tmp = directory.appendingPathComponent("tmp/\(name)")
        let new = directory.appendingPathComponent("new/\(name)")
        let fd = open(tmp.path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard fd >= 0 else { throw WriteError(description: "cannot create \(tmp.path): check that the outbox is writable.") }
        var ok = bytes.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp.path, new.path) == 0 else {
            unlink(tmp.path)
            throw WriteError(description: "cannot write the message to \(directory.path) (disk full or not writable); nothing was delivered.")
        }
        return new
    }
}
