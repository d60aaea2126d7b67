public import BreachApp
public import BreachConfig
public import BreachRegister
public import Foundation

/// What route handlers work with: the opened working directory and the service's own state.
public struct ServerEnvironment: Sendable {
    /// The working directory made by `breachmail init`.
    public let directory: URL
    public let configuration: Configuration
    public let register: any RegisterStore
    public let metrics: ServiceMetrics
    /// The current time (injected by tests).
    public let now: @Sendable () -> Date
    /// The campaigns running in this process.
    public let campaigns: CampaignSupervisor

    public init(directory: URL, configuration: Configuration, register: any RegisterStore, metrics: ServiceMetrics,
                now: @escaping @Sendable () -> Date = { Date() }, campaigns: CampaignSupervisor) {
        self.directory = directory
        self.configuration = configuration
        self.register = register
        self.metrics = metrics
        self.now = now
        self.campaigns = campaigns
    }
}

/// Runs blocking work (SQLite with fsync, C libraries) on a thread of its own, never on the
/// cooperative pool that serves the requests.
///
/// - Throws: whatever `work` throws.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}
