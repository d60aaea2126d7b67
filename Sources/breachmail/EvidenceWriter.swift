import BreachRegister
import Foundation

/// The evidence file, written a row at a time into a temporary file beside it (0600) and renamed
/// into place when complete: memory does not grow with the people, and a failed run leaves the
/// previous file, never half of one.
final class EvidenceWriter {
    private let url: URL
    private let temporary: URL
    private let handle: FileHandle
    private var buffer = ""

    init(_ url: URL) throws {
        self.url = url
        temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIError("cannot write \(temporary.path): \(String(cString: strerror(errno)))", .cannotCreate) }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    deinit { unlink(temporary.path) }

    func append(_ fields: [String]) throws {
        buffer += fields.map(RegisterExport.csvField).joined(separator: ",") + "\r\n"
        if buffer.utf8.count >= 1 << 16 { try flush() }
    }

    func finish() throws {
        try flush()
        try handle.synchronize()
        guard rename(temporary.path, url.path) == 0 else {
            throw CLIError("cannot write \(url.path): \(String(cString: strerror(errno)))", .cannotCreate)
        }
    }

    private func flush() throws {
        try handle.write(contentsOf: Data(buffer.utf8))
        buffer.removeAll(keepingCapacity: true)
    }
}
