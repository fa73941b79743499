import Foundation
import Messaging

/// Keeps what it is handed in memory (tests read the messages a use case sent).
public final class CapturingMailChannel: EmailChannel, @unchecked Sendable {
    private let lock = NSLock()
    private var delivered: [EmailMessage] = []

    public init() {}

    public func deliver(_ message: EmailMessage) async throws {
        lock.withLock { delivered.append(message) }
    }

    /// Every message delivered so far, oldest first.
    public var messages: [EmailMessage] { lock.withLock { delivered } }
}
