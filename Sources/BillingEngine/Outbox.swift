import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Queues e-mails. Callers pass the database (or transaction) they are working in, so the
/// message exists exactly when the change it reports was committed.
public struct Outbox: Sendable {
    let clock: any Clock

    public func enqueue(
        to recipient: String, subject: String, body: String, category: MailCategory,
        accountID: UUID?, language: Language? = nil, on database: any Database
    ) async throws {
        try await OutboxEmailRecord(
            accountID: accountID, recipient: recipient, subject: subject, body: body,
            category: category, createdAt: clock.now, language: language
        ).create(on: database)
    }

    /// The newest messages first, for the development outbox page and tests.
    /// The latest messages, newest first, for the outbox page.
    public static func recent(limit: Int = 50, context: EngineContext) async throws -> [OutboxMessage] {
        try await recent(limit: limit, on: context.database).map(OutboxMessage.init)
    }

    public static func recent(limit: Int = 50, on database: any Database) async throws -> [OutboxEmailRecord] {
        try await OutboxEmailRecord.query(on: database).sort(\.$createdAt, .descending).limit(limit).all()
    }
}
