public import Foundation

/// Where delivery code reads the time, so that tests can set it.
public protocol DeliveryClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
}

/// The system's wall clock.
public struct SystemDeliveryClock: DeliveryClock {
    public init() {}
    public func now() -> Date { Date() }
}
