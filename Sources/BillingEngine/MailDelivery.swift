import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation
import Messaging

/// Sends what the outbox holds through an `EmailChannel` (SMTP): leases a batch of due messages,
/// sends each, marks it sent, and on failure schedules a retry with a growing wait (1 min, 5 min,
/// 30 min, 2 h, then 6 h), giving up after `maximumAttempts` or at once on a permanent refusal.
///
/// A message is leased with one conditional UPDATE (only while nobody holds a live lease), so two
/// server instances never send the same message; the lease outlives a slow server by far, and a
/// runner that died mid-send leaves a lease that expires, after which the message is retried. The
/// Message-ID is fixed at the first attempt, so a retry after a lost "sent" mark is recognisable
/// as the same message by the recipient's mail client.
public struct MailDelivery: Sendable {
    let context: EngineContext
    let channel: any EmailChannel
    let from: EmailAddressee
    let owner: String

    public static let maximumAttempts = 8
    /// How long a runner holds the messages it took; far beyond a slow SMTP conversation.
    public static let leaseSeconds: TimeInterval = 300

    public init(
        context: EngineContext, channel: any EmailChannel, from: EmailAddressee,
        owner: String = "mail-" + UUID().uuidString.lowercased().prefix(8)
    ) {
        self.context = context
        self.channel = channel
        self.from = from
        self.owner = owner
    }

    /// What one pass did.
    public struct Outcome: Sendable, Equatable {
        public var sent = 0
        public var retried = 0
        public var failed = 0
        public init() {}
    }

    static func retryDelay(afterAttempts attempts: Int) -> TimeInterval {
        [60, 300, 1800, 7200][safe: attempts - 1] ?? 21_600
    }

    /// Sends up to `limit` due messages.
    @discardableResult
    public func runOnce(limit: Int = 20) async throws -> Outcome {
        let sql = context.database.sql
        let now = context.clock.now
        let claimed = try await sql.raw(
            """
            UPDATE email_outbox SET lease_owner = \(bind: owner), lease_until = \(bind: now.addingTimeInterval(Self.leaseSeconds))
            WHERE id IN (SELECT id FROM email_outbox WHERE status = 'queued'
                         AND (next_attempt_at IS NULL OR next_attempt_at <= \(bind: now))
                         AND (lease_until IS NULL OR lease_until < \(bind: now))
                         ORDER BY created_at LIMIT \(unsafeRaw: String(max(1, min(limit, 500)))))
            AND status = 'queued' AND (lease_until IS NULL OR lease_until < \(bind: now))
            RETURNING id
            """
        ).all().map { try $0.decode(column: "id", as: UUID.self) }
        guard !claimed.isEmpty else { return Outcome() }
        let messages = try await OutboxEmailRecord.query(on: context.database).filter(\.$id ~~ claimed).sort(\.$createdAt).all()
        var outcome = Outcome()
        let host = URL(string: context.provider.baseURL)?.host ?? "localhost"
        for message in messages {
            let messageID = message.messageID ?? "<\(message.id!.uuidString.lowercased())@\(host)>"
            let email = EmailMessage(
                from: from, to: message.recipient, subject: message.subject, text: message.body,
                messageID: messageID, date: context.clock.now,
                language: message.language ?? context.provider.defaultLanguage)
            do {
                try await channel.deliver(email)
                try await sql.raw(
                    """
                    UPDATE email_outbox SET status = 'sent', sent_at = \(bind: context.clock.now), attempts = attempts + 1,
                    message_id = \(bind: messageID), lease_owner = NULL, lease_until = NULL, last_error = NULL
                    WHERE id = \(bind: message.id!) AND lease_owner = \(bind: owner)
                    """
                ).run()
                context.log(.mail).info(
                    "mail sent", metadata: ["message_id": .string(messageID), "attempt": .stringConvertible(message.attempts + 1)])
                outcome.sent += 1
            } catch {
                let attempts = message.attempts + 1
                let permanent = (error as? EmailDeliveryError)?.isPermanent ?? false
                let givingUp = permanent || attempts >= Self.maximumAttempts
                let reason = String(String(describing: error).prefix(500))
                try await sql.raw(
                    """
                    UPDATE email_outbox SET status = \(bind: givingUp ? "failed" : "queued"), attempts = \(bind: attempts),
                    next_attempt_at = \(bind: context.clock.now.addingTimeInterval(Self.retryDelay(afterAttempts: attempts))),
                    message_id = \(bind: messageID), last_error = \(bind: reason), lease_owner = NULL, lease_until = NULL
                    WHERE id = \(bind: message.id!) AND lease_owner = \(bind: owner)
                    """
                ).run()
                context.log(.mail).log(
                    level: givingUp ? .error : .warning, givingUp ? "mail given up" : "mail will be retried",
                    metadata: ["message_id": .string(messageID), "attempt": .stringConvertible(attempts), "error": .string(reason)])
                if givingUp { outcome.failed += 1 } else { outcome.retried += 1 }
            }
        }
        return outcome
    }

    /// Puts a message that was given up back in the queue (staff, after fixing the cause).
    public static func retry(_ id: UUID, context: EngineContext) async throws { try await retry(id, on: context.database) }

    public static func retry(_ id: UUID, on database: any Database) async throws {
        try await OutboxEmailRecord.query(on: database).filter(\.$id == id).filter(\.$status == .failed)
            .set(\.$status, to: .queued).set(\.$nextAttemptAt, to: nil).update()
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
