import BreachApp
import BreachCore
import Foundation

/// How `status` lays out its tables and words its codes, for a person reading it.
enum StatusText {
    /// Rows as aligned columns: each column as wide as its widest cell, counts (the columns in
    /// `right`) aligned on the right, two spaces between columns, no trailing spaces.
    static func columns(_ rows: [[String]], indent: String, right: Set<Int> = []) -> [String] {
        let widths = rows.reduce(into: [Int]()) { widths, row in
            for (i, cell) in row.enumerated() {
                if i >= widths.count { widths.append(0) }
                widths[i] = max(widths[i], cell.count)
            }
        }
        return rows.map { row in
            let cells = row.enumerated().map { i, cell -> String in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                if right.contains(i) { return pad + cell }
                return i == row.count - 1 ? cell : cell + pad
            }
            var line = indent + cells.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    /// A recorded time (RFC 3339, as the register keeps it) in the incident's time zone.
    static func local(_ recorded: String, _ zone: TimeZone) -> String {
        ZonedTime(rfc3339: recorded).map { TimeText.local($0.instant, zone) } ?? recorded
    }

    /// A refusal's kind (the register's code, e.g. `fingerprintMissing`) in words.
    static func refusal(_ kind: String) -> String {
        let known = [
            "incomplete": "an Art. 33(3) item is missing",
            "lateWithoutReasons": "late without the reasons for the delay",
            "nothingChanged": "nothing new since the last notification",
            "untranslated": "a text is missing in the notice's language",
            "configuration": "the configuration must be fixed",
            "templates": "the templates must be fixed",
            "noTemplate": "no template for this notice",
            "transport": "the relay did not accept it",
            "transportSetup": "the sending set-up (mail.transport) must be fixed",
            "write": "the file could not be written",
            "key": "the authority's key is not usable",
            "signingKey": "the signing key is not usable",
            "fingerprintMissing": "no key fingerprint pinned in breachmail.yaml",
            "fingerprintMismatch": "the key file does not hold the pinned fingerprint",
        ]
        if let text = known[kind] { return text }
        // Any other code: its words (`fingerprintMissing` → `fingerprint missing`).
        var words = ""
        for c in kind {
            if c.isUppercase { words += " " + c.lowercased() } else if c == "_" || c == "-" { words += " " } else { words.append(c) }
        }
        return words
    }

    /// A subject state with a failure, in words; a permanent refusal and the end of the retry
    /// window are both `failed_permanent` in the register but not the same thing to the DPO.
    static func failure(state: String, reason: String) -> String {
        switch SubjectState(rawValue: state) {
        case .failedPermanent: reason.hasPrefix(exhaustedPrefix) ? "retries exhausted" : "refused for good"
        case .deferred: "deferred, to retry"
        case .renderFailed: "not composed"
        case .noAddress: "no usable address"
        default: state
        }
    }

    /// The reason recorded, without the prefix that `failure(state:reason:)` already says.
    static func reason(_ reason: String) -> String {
        if reason.isEmpty { return "no reason recorded" }
        return reason.hasPrefix(exhaustedPrefix) ? String(reason.dropFirst(exhaustedPrefix.count)) : reason
    }

    static let exhaustedPrefix = "retry window exhausted: "
}
