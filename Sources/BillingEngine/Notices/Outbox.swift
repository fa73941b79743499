import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// Queues e-mails. Callers pass the database (or transaction) they are working in, so the
/// message and the job that sends it exist exactly when the change they report was committed.
public struct Outbox: Sendable {
    let context: EngineContext

    /// A secret link the message carries: the body holds `MailLink.placeholder` where the token
    /// goes, and the token is made when the message is sent (`MailJobs`).
    public struct Link: Sendable {
        public let kind: MailLink
        public let userID: UUID
    }

    public func enqueue(
        to recipient: String, subject: String, body: String, category: MailCategory,
        accountID: UUID?, language: Language? = nil, link: Link? = nil, attachment: (kind: MailAttachment, userID: UUID)? = nil,
        on database: any Database
    ) async throws {
        let message = OutboxEmailRecord(
            accountID: accountID, recipient: recipient, subject: subject, body: body,
            category: category, createdAt: context.clock.now, language: language, link: link?.kind,
            linkUserID: link?.userID ?? attachment?.userID)
        message.attachment = attachment?.kind
        try await message.create(on: database)
        var jobs = [JobQueue.mailJob(messageID: message.id!, accountID: accountID)]
        // A copy to each other address of the user that receives this category (ACC-6); never
        // of a message with a secret link.
        if link == nil, attachment == nil, let accountID {
            for copy in try await AlternativeEmails(context: context).copies(
                of: recipient, accountID: accountID, category: category, on: database)
            {
                let duplicate = OutboxEmailRecord(
                    accountID: accountID, recipient: copy, subject: subject, body: body, category: category, createdAt: context.clock.now,
                    language: language, link: nil, linkUserID: nil)
                try await duplicate.create(on: database)
                jobs.append(JobQueue.mailJob(messageID: duplicate.id!, accountID: accountID))
            }
        }
        try await context.jobs.enqueue(jobs, on: database)
    }

    /// The latest messages, newest first, for the outbox page.
    public static func recent(limit: Int = 50, context: EngineContext) async throws -> [OutboxMessage] {
        try await recent(limit: limit, on: context.database).map(OutboxMessage.init)
    }

    public static func recent(limit: Int = 50, on database: any Database) async throws -> [OutboxEmailRecord] {
        try await OutboxEmailRecord.query(on: database).sort(\.$createdAt, .descending).limit(limit).all()
    }

    /// Puts a message that was given up back in the queue (staff, after fixing the cause): its
    /// job starts again from the first rung of the ladder. For a caller who may read the outbox.
    public static func retry(_ id: UUID, caller: Caller, context: EngineContext) async throws {
        try caller.require(.viewOutbox)
        let actor = caller.initiator
        try await context.database.transaction { db in
            guard let message = try await OutboxEmailRecord.find(id, on: db), message.status == .failed else { return }
            message.status = .queued
            try await message.save(on: db)
            let key = JobQueue.mailJobKey(id)
            if let job = try await JobRecord.query(on: db).filter(\.$idempotencyKey == key).first() {
                try await JobQueue(context: context.on(db)).retry(job.id!, actor: actor)
            } else {
                try await context.on(db).jobs.enqueue([JobQueue.mailJob(messageID: id, accountID: message.accountID)], on: db)
            }
        }
    }
}
