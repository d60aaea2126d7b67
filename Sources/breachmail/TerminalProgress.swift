import BreachApp
import BreachImport
import Foundation

/// The campaign's progress line on a terminal: a bar with the share of people settled (sent,
/// refused, not composed; the deferred are not done), the rate over the last seconds, the time
/// left as h:mm, failures and deferrals so far; during a relay pause, the pause with its reply
/// and its end instead of a rate of 0.
struct TerminalProgress {
    /// How far back the rate looks.
    static let window: TimeInterval = 10
    private var samples: [(at: Date, attempted: Int)] = []

    /// Notes how many people were attempted at `now`; returns the rate over the window, nil
    /// until two samples a moment apart exist.
    mutating func rate(attempted: Int, at now: Date) -> Double? {
        samples.append((now, attempted))
        while samples.count > 2, now.timeIntervalSince(samples[1].at) >= Self.window { samples.removeFirst() }
        guard let first = samples.first, now.timeIntervalSince(first.at) >= 0.5 else { return nil }
        return Double(attempted - first.attempted) / now.timeIntervalSince(first.at)
    }

    /// The line at `now`; the final one (`final`) says when the next retry is due, if anyone is deferred.
    static func line(_ f: Campaign.Figures, total: Int, rate: Double?, pause: RelayPause?, now: Date, zone: TimeZone,
                     final: Bool = false, nextRetry: Date? = nil) -> String {
        let settled = f.submitted + f.failedPermanent + f.renderFailed + f.held
        let fraction = total > 0 ? min(Double(settled) / Double(total), 1) : 1
        let width = 24
        let filled = Int((fraction * Double(width)).rounded(.down))
        var parts = ["[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]",
                     "\(Int((fraction * 100).rounded(.down)))%", "\(settled)/\(total)"]
        if final {
            parts.append("run over")
        } else if let pause, pause.ends > now {
            parts.append("relay paused until \(clock(pause.ends, zone)) (\(Int(pause.ends.timeIntervalSince(now).rounded(.up))) s left): \(pause.reply)")
        } else if let rate, rate > 0 {
            parts.append("\(rate < 10 ? String(format: "%.1f", rate) : String(Int(rate.rounded()))) msg/s")
            parts.append("\(hoursMinutes(Double(max(total - f.done, 0)) / rate)) left")
        } else {
            parts.append("measuring the rate")
        }
        parts.append("failed \(f.failedPermanent + f.renderFailed)")
        parts.append("deferred \(f.deferred + f.notYetDue)")
        if final, let nextRetry { parts.append("next retry due \(TimeText.local(nextRetry, zone))") }
        return parts.joined(separator: "  ")
    }

    /// `1:05` for an hour and five minutes; `0:01` for anything under a minute.
    static func hoursMinutes(_ seconds: TimeInterval) -> String {
        let minutes = max(Int((seconds / 60).rounded(.up)), seconds > 0 ? 1 : 0)
        return "\(minutes / 60):" + String(format: "%02d", minutes % 60)
    }

    /// `14:05:30` in the zone.
    static func clock(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}

/// The progress of `subjects import` on a terminal (standard error): rows read, the rate over the
/// last seconds and the share of the file's bytes read (unknown for a pipe). Nothing when
/// standard error is not a terminal: a script's log gets no carriage returns.
final class ImportProgressLine {
    private var bar = TerminalProgress()
    private var lastLine = Date.distantPast
    private var rate: Double?
    private var last: (progress: SubjectImporter.Progress, drawn: Bool)?

    /// Nil unless standard error is a terminal.
    init?() {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
    }

    func show(_ p: SubjectImporter.Progress, now: Date = Date()) {
        rate = bar.rate(attempted: p.rows, at: now) ?? rate
        let due = now.timeIntervalSince(lastLine) >= 0.2
        last = (p, due)
        guard due else { return }
        lastLine = now
        draw(p)
    }

    /// Draws the last figures if they were not, and ends the line: the summary starts on its own.
    func finish() {
        guard let last else { return }
        if !last.drawn { draw(last.progress) }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(_ p: SubjectImporter.Progress) {
        FileHandle.standardError.write(Data("\r\(Self.line(p, rate: rate))\u{1B}[K".utf8))
    }

    static func line(_ p: SubjectImporter.Progress, rate: Double?) -> String {
        var parts = ["Importing: \(p.rows) rows read"]
        parts.append(rate.map { "\(Int($0.rounded())) rows/s" } ?? "measuring the rate")
        if let size = p.size, size > 0 {
            parts.append("\(Int((Double(min(p.bytesRead, size)) / Double(size) * 100).rounded(.down)))% of \(bytes(size))")
        } else {
            parts.append("\(bytes(p.bytesRead)) read")
        }
        return parts.joined(separator: "  ")
    }

    /// `12.3 MB`, `512 kB`, `800 B` (decimal units, as `ls -h --si` and disk makers count).
    static func bytes(_ n: Int64) -> String {
        switch n {
        case ..<1000: "\(n) B"
        case ..<1_000_000: "\(n / 1000) kB"
        case ..<1_000_000_000: String(format: "%.1f MB", Double(n) / 1e6)
        default: String(format: "%.1f GB", Double(n) / 1e9)
        }
    }
}
