import BillingDomain
import FluentKit
import Foundation

/// An e-mail waiting to be delivered (or delivered). Use cases write here inside their own
/// transaction, so a message is sent if and only if what it tells about happened.
public final class OutboxEmailRecord: Model, @unchecked Sendable {
    public static let schema = "email_outbox"

    @ID(key: .id) public var id: UUID?
    @OptionalField(key: "account_id") public var accountID: UUID?
    @Field(key: "recipient") public var recipient: String
    @Field(key: "subject") public var subject: String
    @Field(key: "body") public var body: String
    @Field(key: "category") public var category: MailCategory
    /// `queued` (waiting, or waiting for a retry), `sent`, `failed` (given up; staff see why).
    @Field(key: "status") public var status: OutboxStatus
    @Field(key: "attempts") public var attempts: Int
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "sent_at") public var sentAt: Date?
    /// Set for notices that must go out once (e.g. `expiring:<service>:<date>`); unique.
    @OptionalField(key: "dedupe_key") public var dedupeKey: String?
    /// The recipient's language (`en`, `ru`, `uk`), for the HTML part; the texts are already in it.
    @OptionalField(key: "language") public var language: Language?
    /// The Message-ID the message goes out with, fixed at the first attempt.
    @OptionalField(key: "message_id") public var messageID: String?
    @OptionalField(key: "next_attempt_at") public var nextAttemptAt: Date?
    @OptionalField(key: "lease_owner") public var leaseOwner: String?
    @OptionalField(key: "lease_until") public var leaseUntil: Date?
    @OptionalField(key: "last_error") public var lastError: String?
    /// The secret link the message carries (made at sending) and the user it is for.
    @OptionalField(key: "link") public var link: MailLink?
    /// The user a link or an attachment is made for.
    @OptionalField(key: "link_user_id") public var linkUserID: UUID?
    /// The file the message carries, made at sending.
    @OptionalField(key: "attachment") public var attachment: MailAttachment?

    public init() {}

    public init(
        id: UUID = .timeOrdered(), accountID: UUID?, recipient: String, subject: String, body: String,
        category: MailCategory, createdAt: Date, language: Language? = nil, link: MailLink? = nil, linkUserID: UUID? = nil
    ) {
        self.id = id
        self.accountID = accountID
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.category = category
        self.status = .queued
        self.attempts = 0
        self.createdAt = createdAt
        self.language = language
        self.link = link
        self.linkUserID = linkUserID
    }
}
