import ArgumentParser
import BreachApp
import Foundation

/// `--verbose` on the commands that send mail: the SMTP conversation on standard error, with
/// the people named by subject id and never an address (see `SMTPConversation` in BreachCurl).
struct VerboseOption: ParsableArguments {
    @Flag(help: "Show the SMTP conversation on standard error: commands and replies, each person named by subject id, never an address; no message body, no password.")
    var verbose = false

    /// `ws` with its transports showing their conversation when `--verbose` is given.
    func applied(to ws: Workspace) -> Workspace {
        guard verbose else { return ws }
        var shown = ws
        shown.smtpConversation = { line in FileHandle.standardError.write(Data("SMTP \(line)\n".utf8)) }
        return shown
    }
}
