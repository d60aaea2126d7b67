internal import CGPGME
import Foundation

extension Keyring {
    /// Stops the gpg-agent (and any other GnuPG daemon) that gpg started for this keyring, so
    /// that a command leaves nothing running behind it: `gpgconf --homedir DIR --kill all`, with
    /// the gpgconf that GPGME itself uses. Nothing running: nothing happens. Best effort, bounded
    /// to 10 s: a daemon that cannot be stopped is not worth failing a notification that was sent.
    public static func stopAgent(directory: String) {
        GPGME.initialise()
        guard let name = gpgme_get_dirinfo("gpgconf-name") else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: String(cString: name))
        process.arguments = ["--homedir", directory, "--kill", "all"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return }
        let end = Date().addingTimeInterval(10)
        while process.isRunning, Date() < end { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
