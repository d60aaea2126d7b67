import BreachApp
import Foundation

/// The register report printed to PDF by Debian's headless Chromium (`chromium`), the browser the
/// dashboard's tests drive: the page's own print style (A4, a page per incident) decides the layout.
enum ReportPDF {
    /// The programs tried, in order, on the PATH.
    static let programs = ["chromium", "chromium-browser"]
    /// Chromium is stopped after this long.
    static let timeout: TimeInterval = 120

    /// Writes `html` to a private temporary folder, prints it to `url` (mode 0600), removes the folder.
    ///
    /// - Throws: ``CLIError`` naming the Debian package when Chromium is absent, or Chromium's own
    ///   words when it fails.
    static func print(_ html: String, to url: URL) throws {
        guard let chromium = locate() else {
            throw CLIError("--format pdf prints the report with headless Chromium, which is not installed: install Debian's "
                + "package chromium (apt-get install chromium), or export --format html and print it from a browser.", .unavailable)
        }
        let fm = FileManager.default
        let folder = fm.temporaryDirectory.appendingPathComponent("breachmail-pdf-\(UUID().uuidString)")
        try fm.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? fm.removeItem(at: folder) }
        let page = folder.appendingPathComponent("report.html"), pdf = folder.appendingPathComponent("report.pdf")
        try writePrivate(html, to: page)
        var arguments = ["--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                         "--user-data-dir=" + folder.appendingPathComponent("profile").path,
                         "--no-pdf-header-footer", "--print-to-pdf=" + pdf.path, page.absoluteString]
        // Chromium's sandbox refuses to run as root; the page has no script and nothing remote.
        if getuid() == 0 { arguments.insert("--no-sandbox", at: 0) }
        let process = Process()
        process.executableURL = chromium
        process.arguments = arguments
        // Its chatter goes to a file: a pipe nobody reads until the end could fill and stall it.
        let log = folder.appendingPathComponent("chromium.log")
        _ = fm.createFile(atPath: log.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let errors = try FileHandle(forWritingTo: log)
        defer { try? errors.close() }
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let said = String(decoding: fm.contents(atPath: log.path) ?? Data(), as: UTF8.self)
        guard process.terminationStatus == 0, let bytes = fm.contents(atPath: pdf.path), bytes.starts(with: Array("%PDF".utf8)) else {
            let last = said.split(separator: "\n").last.map(String.init) ?? "no message"
            throw CLIError("\(chromium.path) could not print the report to PDF (exit \(process.terminationStatus): \(last)); "
                + "export --format html and print it from a browser.", .unavailable)
        }
        try bytes.write(to: url, options: [.atomic])
        try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    static func locate() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for program in programs {
            for dir in path.split(separator: ":") {
                let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(program)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }
}
