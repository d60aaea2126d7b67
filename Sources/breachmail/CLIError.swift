/// A refusal the person at the terminal can act on: the message names the thing and the fix.
/// (ArgumentParser's `ValidationError` would add the usage text, which is noise for these.)
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
