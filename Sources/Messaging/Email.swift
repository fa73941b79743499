import BillingDomain

/// An e-mail ready to hand to a delivery channel.
public struct EmailMessage: Sendable, Equatable {
    public let recipient: String
    public let subject: String
    public let body: String

    public init(recipient: String, subject: String, body: String) {
        self.recipient = recipient
        self.subject = subject
        self.body = body
    }
}

/// A way to deliver e-mail (SMTP, a provider's HTTP API). The outbox hands messages to it; until a
/// channel is configured, messages wait in the outbox and the development page shows them.
public protocol EmailChannel: Sendable {
    func deliver(_ message: EmailMessage) async throws
}
