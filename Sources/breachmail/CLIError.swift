/// A refusal the person at the terminal can act on: the message names the thing and the fix, and
/// the status (``ExitStatus``) tells a script which kind of refusal it is.
/// (ArgumentParser's `ValidationError` would add the usage text, which is noise for these.)
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let status: ExitStatus
    init(_ message: String, _ status: ExitStatus = .dataError) {
        description = message
        self.status = status
    }
}
