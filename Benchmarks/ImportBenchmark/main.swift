// Imports generated CSV files of 100,000 and 1,000,000 rows into a fresh register each and prints
// rows per second and the process's peak memory (VmHWM) after each: the peak must stay flat as
// the file grows. Run: `swift run -c release ImportBenchmark [ROWS...]` (default 100000 1000000).
import BreachConfig
import BreachCore
import BreachImport
import BreachRegister
import Foundation

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let sizes = CommandLine.arguments.dropFirst().compactMap { Int($0) }

/// Peak resident memory of this process so far, in MiB (Linux).
func peakMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kib / 1024
}

/// A `;`-separated UTF-8 file like a CRM export: 5 columns, accents, a quoted field, a few
/// duplicates and missing addresses, written in 1 MiB pieces.
func generate(_ url: URL, rows: Int) throws {
    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
    let out = try FileHandle(forWritingTo: url)
    defer { try? out.close() }
    var buffer = "Courriel;Prénom;Nom;Langue;N° client\r\n"
    let first = ["Zoé", "Jürgen", "Anaïs", "Luc", "Marie", "Oliver"]
    let last = ["Lefèvre", "Müller", "Weber", "Dupont", "O'Brien", "\"Schmitt; Jr\""]
    let langs = ["fr", "de", "en", "fr-LU", ""]
    for n in 1...rows {
        let email = n % 500 == 0 ? "" : n % 997 == 0 ? "person.\(n - 1)@example.org" : "person.\(n)@example.org"
        buffer += "\(email);\(first[n % 6]);\(last[n % 6]);\(langs[n % 5]);C-\(n)\r\n"
        if buffer.utf8.count > 1 << 20 {
            out.write(Data(buffer.utf8))
            buffer.removeAll(keepingCapacity: true)
        }
    }
    out.write(Data(buffer.utf8))
}

do {
    let incident = try IncidentFile.load(root.appendingPathComponent("Config/examples/incident.yaml"))
    print("rows        size      generate  import    rows/s     peak memory (VmHWM)")
    for rows in sizes.isEmpty ? [100_000, 1_000_000] : sizes {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("import-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("subjects.csv")
        let clock = ContinuousClock()
        let generation = try clock.measure { try generate(csv, rows: rows) }
        let size = (try FileManager.default.attributesOfItem(atPath: csv.path)[.size] as? Int) ?? 0
        let register = try Register(at: dir.appendingPathComponent("register.sqlite"), create: true)
        let id = try register.openIncident(incident, actor: "bench", at: Date()).id
        var summary: SubjectImporter.Summary?
        let elapsed = try clock.measure {
            summary = try SubjectImporter.run(file: csv, into: register, incidentID: id, options: .init(),
                                              reportDirectory: dir.appendingPathComponent("imports"), actor: "bench", at: Date())
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let s = summary!
        precondition(s.rows == rows && s.rows == s.accepted + s.duplicates + s.rejected)
        print(String(format: "%-10d  %6.1f MB  %6.2f s  %6.2f s  %9.0f  %6.1f MiB", rows, Double(size) / 1e6,
                     Double(generation.components.seconds) + Double(generation.components.attoseconds) / 1e18,
                     seconds, Double(rows) / seconds, peakMiB()),
              "(accepted \(s.accepted), no_address \(s.noAddress), duplicates \(s.duplicates), rejected \(s.rejected))")
    }
} catch {
    print("ImportBenchmark failed: \(error)")
    exit(1)
}
