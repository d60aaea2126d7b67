/// Where one data subject's notification stands (Art. 34). Every subject ends in a named
/// terminal state: nobody is silently skipped.
///
/// The import writes `queued` or `noAddress`; the campaign moves a subject through
/// `sending` → `submitted`, or `deferred` (retried), `failedPermanent`, `renderFailed`.
public enum SubjectState: String, Sendable, Codable, CaseIterable {
    /// Imported with a valid address, waiting to be sent.
    case queued
    /// Written just before the SMTP transaction; re-examined after a crash.
    case sending
    /// The server accepted the message (250 after DATA).
    case submitted
    /// A transient failure: retried after back-off.
    case deferred
    /// An address-level permanent failure (unknown user, unknown domain…).
    case failedPermanent = "failed_permanent"
    /// The message could not be composed for this subject (template, field).
    case renderFailed = "render_failed"
    /// No usable address in the import: to be reached another way (Art. 34(3)(c)).
    case noAddress = "no_address"

    /// Whether the campaign has nothing more to do for this subject.
    public var isTerminal: Bool {
        switch self {
        case .submitted, .failedPermanent, .renderFailed, .noAddress: true
        case .queued, .sending, .deferred: false
        }
    }
}
