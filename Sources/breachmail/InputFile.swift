import Foundation

/// A text file a command reads, or standard input when the path is `-` (so that a script can
/// pipe it: `generate-incident | breachmail incident open -`).
struct InputFile {
    /// What problems name: the path, or `standard input`.
    let name: String
    let text: String

    /// - Throws: ``CLIError`` (``ExitStatus/noInput``) when the file does not exist or cannot be
    ///   read, (``ExitStatus/dataError``) when it is not UTF-8 text.
    init(_ path: String, what: Message.InputKind) throws {
        let data: Data
        if path == "-" {
            name = "standard input"
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            name = path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIError(Message.fileMissing(path: path, what: what).text, .noInput)
            }
            guard !isDirectory.boolValue else {
                throw CLIError(Message.fileIsDirectory(path: path, what: what).text, .noInput)
            }
            guard let read = FileManager.default.contents(atPath: path) else {
                throw CLIError(Message.fileUnreadable(path: path).text, .noInput)
            }
            data = read
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError(Message.fileNotUTF8(name: name, what: what).text, .dataError)
        }
        self.text = text
    }
}
