import BreachTestSupport
import Foundation
import Testing

/// A working directory made by the real `breachmail init`, with the example incident opened,
/// and helpers to run `breachmail` in it and talk to its `serve`.
struct ServeFixture {
    let dir: TemporaryDirectory
    let work: URL
    /// The register takes the injected clock, so that ids and times are the same every day.
    static let now = ["BREACHMAIL_NOW": "2026-10-24T10:00:00+02:00"]

    /// - Parameter service: lines put under `service:` in breachmail.yaml.
    init(service: [String] = []) throws {
        dir = try TemporaryDirectory("serve")
        work = dir.url.appendingPathComponent("work")
        let work = work
        try CommandRunner.makeExampleWorkingDirectory(work) { step in
            try CommandRunner.breachmail(step, environment: Self.now.merging(["BREACHMAIL_DIR": work.path]) { a, _ in a })
        }
        if !service.isEmpty {
            let config = work.appendingPathComponent("breachmail.yaml")
            var text = try String(contentsOf: config, encoding: .utf8)
            let start = try #require(text.range(of: "\nservice:\n"), "Config/breachmail.yaml has a service: section")
            let end = text[start.upperBound...].range(of: "\n\n")?.lowerBound ?? text.endIndex
            text.replaceSubrange(start.upperBound..<end, with: service.map { "  " + $0 }.joined(separator: "\n"))
            try text.write(to: config, atomically: true, encoding: .utf8)
        }
    }

    @discardableResult
    func bm(_ arguments: [String]) throws -> ProcessResult {
        try CommandRunner.breachmail(arguments, environment: Self.now.merging(["BREACHMAIL_DIR": work.path]) { a, _ in a })
    }

    /// `breachmail token create NAME --role ROLE`: the secret it printed.
    func token(_ name: String, _ role: String) throws -> String {
        let result = try bm(["token", "create", name, "--role", role])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    func serve(_ arguments: [String] = []) throws -> ServeProcess {
        try ServeProcess(work: work, arguments: arguments, environment: Self.now)
    }

    func sqlite(_ query: String) throws -> String {
        try CommandRunner.run("sqlite3", [work.appendingPathComponent("register.sqlite").path, query]).stdout
    }
}

func get(_ server: ServeProcess, _ path: String, token: String? = nil, headers: [String] = []) throws -> HTTPExchange {
    try HTTPExchange.send("GET", server.url + path, headers: headers + (token.map { ["Authorization: Bearer \($0)"] } ?? []))
}

/// The problem body the server sends for `status`, keys sorted as it writes them.
func problem(_ slug: String, _ title: String, _ status: Int, _ detail: String, field: String? = nil) -> String {
    let fieldPart = field.map { "\"field\":\"\($0)\"," } ?? ""
    return "{\"detail\":\"\(detail)\",\(fieldPart)\"status\":\(status),\"title\":\"\(title)\",\"type\":\"urn:breachmail:problem:\(slug)\"}"
}
