// Bounces parsed and classified per second, in one process, beside Sisimai (Debian's
// libsisimai-perl, one perl process over the same files) in the same run.
//
// The corpus is every message file of the project's fixtures (Tests/BreachBouncesTests/Fixtures,
// hand-written, and Fixtures/mta, real DSNs written by Exim, OpenSMTPD and Postfix in the tests),
// plus every file under each directory given on the command line (a Maildir, a folder of .eml).
// Each distinct message is read once per pass; the run makes as many passes as fit in SECONDS and
// says so: no message is copied to make the corpus look larger. Files are read into memory
// first on both sides, so that the figures compare parsing, not disk reads.
//
// Run: `swift run -c release BounceBenchmark [--seconds S] [--no-sisimai] [DIR…]`
import BreachBounces
import Foundation
#if canImport(Glibc)
import Glibc
#endif

var seconds = 5.0
var runSisimai = true
var directories: [String] = []
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--seconds": seconds = arguments.popFirst().flatMap(Double.init) ?? seconds
    case "--no-sisimai": runSisimai = false
    default: directories.append(argument)
    }
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = packageRoot.appendingPathComponent("Tests/BreachBouncesTests/Fixtures")

/// Every regular, non-hidden file under `directory` (Maildir new/ and cur/ included), sorted.
func files(under directory: URL, emlOnly: Bool) -> [URL] {
    guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey],
                                                      options: [.skipsHiddenFiles]) else { return [] }
    var out: [URL] = []
    for case let url as URL in walker {
        guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
        if emlOnly && url.pathExtension != "eml" { continue }
        out.append(url)
    }
    return out.sorted { $0.path < $1.path }
}

var sources: [(name: String, files: [URL])] = [("project fixtures (\(fixtures.path))", files(under: fixtures, emlOnly: true))]
for directory in directories {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        print("\(directory) is not a directory: give folders of message files (a Maildir, a folder of .eml)")
        exit(2)
    }
    sources.append((directory, files(under: URL(fileURLWithPath: directory), emlOnly: false)))
}
let allFiles = sources.flatMap(\.files)
guard !allFiles.isEmpty else { print("no message files found"); exit(2) }
let corpus: [[UInt8]] = allFiles.map { Array((try? Data(contentsOf: $0)) ?? Data()) }
let bytes = corpus.reduce(0) { $0 + $1.count }

let parser = BounceParser()
// The corpus's make-up, as breachmail reads it (also the warm-up).
print("corpus:")
var offset = 0
var totalKinds: [BounceReport.Kind: Int] = [:]
var totalRecipients = 0
for source in sources {
    var kinds: [BounceReport.Kind: Int] = [:]
    for message in corpus[offset..<(offset + source.files.count)] {
        let report = parser.parse(message)
        kinds[report.kind, default: 0] += 1
        totalRecipients += report.recipients.count
    }
    offset += source.files.count
    for (k, v) in kinds { totalKinds[k, default: 0] += v }
    let bounces = (kinds[.failure] ?? 0) + (kinds[.delay] ?? 0)
    print("  \(source.name): \(source.files.count) distinct messages, \(bounces) of them bounces ("
          + [BounceReport.Kind.failure, .delay, .autoReply, .notABounce, .unparsable].map { "\($0.rawValue) \(kinds[$0] ?? 0)" }.joined(separator: ", ") + ")")
}
let totalBounces = (totalKinds[.failure] ?? 0) + (totalKinds[.delay] ?? 0)
print("  total: \(corpus.count) distinct messages (\(totalBounces) bounces, \(totalRecipients) recipients), \(bytes / corpus.count) bytes on average")

/// The CPU time this process has used, in seconds: on a shared machine the wall clock counts the
/// other programs' turns too, so both sides are also compared per CPU second.
func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

let clock = ContinuousClock()
let cpuStart = cpuSeconds()
let start = clock.now
var parsed = 0
var recipients = 0
var passes = 0
while clock.now - start < .seconds(seconds) {
    for message in corpus { recipients &+= parser.parse(message).recipients.count }
    parsed += corpus.count
    passes += 1
}
let elapsed = clock.now - start
let cpu = max(cpuSeconds() - cpuStart, 0.001)
let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let rate = Double(parsed) / s
let cpuRate = Double(parsed) / cpu
print("breachmail: \(parsed) messages in \(String(format: "%.2f", s)) s on one core (\(passes) passes over the \(corpus.count) distinct messages): \(Int(rate)) messages/second; \(String(format: "%.2f", cpu)) CPU s: \(Int(cpuRate)) messages per CPU second")

guard runSisimai else { exit(0) }
let script = packageRoot.appendingPathComponent("Benchmarks/BounceBenchmark/sisimai.pl").path
let list = FileManager.default.temporaryDirectory.appendingPathComponent("bounce-benchmark-\(getpid()).txt")
try Data((allFiles.map(\.path).joined(separator: "\n") + "\n").utf8).write(to: list)
defer { try? FileManager.default.removeItem(at: list) }
let perl = Process()
perl.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
perl.arguments = [script, String(seconds), "--list", list.path]
let output = Pipe()
perl.standardOutput = output
do { try perl.run() } catch {
    print("sisimai: cannot run /usr/bin/perl: \(error)")
    exit(1)
}
let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
perl.waitUntilExit()
// sisimai VERSION messages N passes P seconds S rate R recipients K cpu C cpurate Q
let fields = text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
guard perl.terminationStatus == 0, fields.count >= 16, let sisimaiRate = Double(fields[9]), let sisimaiCPU = Double(fields[13]),
      let sisimaiCPURate = Double(fields[15]) else {
    print("sisimai: no figures (is Debian's libsisimai-perl installed? scripts/setup.sh installs it): \(text)")
    exit(1)
}
print("sisimai \(fields[1]) (perl, one process, same files in memory): \(fields[5]) passes in \(fields[7]) s: \(Int(sisimaiRate)) messages/second; \(String(format: "%.2f", sisimaiCPU)) CPU s: \(Int(sisimaiCPURate)) messages per CPU second; \(fields[11]) recipients")
print(String(format: "breachmail / sisimai: %.1f× by the wall clock, %.1f× per CPU second", rate / sisimaiRate, cpuRate / sisimaiCPURate))
