import Foundation

/// Where "now" comes from. Code that bills never calls `Date()`; tests move a `TestClock`
/// through months of billing.
public protocol Clock: Sendable {
    var now: Date { get }
}

/// The machine's clock.
public struct SystemClock: Clock {
    public init() {}
    public var now: Date { Date() }
}

/// A clock that stands still until a test moves it.
public final class TestClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) { current = start }

    public var now: Date { lock.withLock { current } }

    public func set(_ date: Date) { lock.withLock { current = date } }

    public func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }

    public func advance(days: Int) { advance(by: TimeInterval(days) * 86_400) }
}
