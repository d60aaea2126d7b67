import Foundation

/// A text file a command reads, or standard input when the path is `-` (so that a script can
/// pipe it: `generate-incident | breachmail incident open -`).
struct InputFile {
    /// What problems name: the path, or `standard input`.
    let name: String
    let text: String

    /// - Throws: ``CLIError`` (``ExitStatus/noInput``) when the file does not exist or cannot be
    ///   read, (``ExitStatus/dataError``) when it is not UTF-8 text.
    init(_ path: String, what: String) throws {
        let data: Data
        if path == "-" {
            name = "standard input"
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            name = path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIError("\(path) does not exist: give the path of \(what), or - to read it from standard input.", .noInput)
            }
            guard !isDirectory.boolValue else {
                throw CLIError("\(path) is a directory: give the path of \(what), or - to read it from standard input.", .noInput)
            }
            guard let read = FileManager.default.contents(atPath: path) else {
                throw CLIError("\(path) cannot be read: check its permissions (ls -l \(path)).", .noInput)
            }
            data = read
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError("\(name) is not UTF-8 text: save \(what) as UTF-8.", .dataError)
        }
        self.text = text
    }
}
