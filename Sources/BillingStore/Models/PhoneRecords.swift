import BillingDomain
import FluentKit
import Foundation

/// A text message: queued, sent by its `sms.send` job, or failed. The body holds
/// `PhoneCodeRecord.placeholder` where a confirmation code goes: the code is made when the message
/// is sent and exists nowhere but on the phone (and as a digest).
public final class SMSMessageRecord: Model, @unchecked Sendable {
    public static let schema = "sms_messages"

    @ID(key: .id) public var id: UUID?
    @OptionalField(key: "account_id") public var accountID: UUID?
    @OptionalField(key: "user_id") public var userID: UUID?
    @Field(key: "recipient") public var recipient: String
    @Field(key: "body") public var body: String
    /// The confirmation code the message carries (`phone_codes`).
    @OptionalField(key: "code_id") public var codeID: UUID?
    @Field(key: "status") public var status: OutboxStatus
    @Field(key: "attempts") public var attempts: Int
    @OptionalField(key: "last_error") public var lastError: String?
    /// The channel that took it and its id there (Twilio's `SM…` sid).
    @OptionalField(key: "channel") public var channel: String?
    @OptionalField(key: "provider_id") public var providerID: String?
    /// What the development channel "sent", for staff to read; never set by a real channel.
    @OptionalField(key: "delivered_text") public var deliveredText: String?
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "sent_at") public var sentAt: Date?

    public init() {}

    public init(accountID: UUID?, userID: UUID?, recipient: String, body: String, codeID: UUID?, createdAt: Date) {
        self.id = .timeOrdered()
        self.accountID = accountID
        self.userID = userID
        self.recipient = recipient
        self.body = body
        self.codeID = codeID
        self.status = .queued
        self.attempts = 0
        self.createdAt = createdAt
    }
}

/// A confirmation code sent to a phone (ACC-2): single use, valid ten minutes from when it was
/// sent, five wrong tries and it is spent. Only its digest is kept, set by the job that sends it.
public final class PhoneCodeRecord: Model, @unchecked Sendable {
    public static let schema = "phone_codes"
    /// Where the code goes in the message's body.
    public static let placeholder = "{{code}}"

    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "purpose") public var purpose: PhoneCodePurpose
    /// The number the code went to.
    @Field(key: "phone") public var phone: String
    /// For a release: the number that replaces the confirmed one (`nil`: the number is removed).
    @OptionalField(key: "new_phone") public var newPhone: String?
    @OptionalField(key: "code_hash") public var codeHash: String?
    @OptionalField(key: "expires_at") public var expiresAt: Date?
    /// When it was used, replaced by a newer code, or spent by wrong tries.
    @OptionalField(key: "closed_at") public var closedAt: Date?
    @Field(key: "failed_attempts") public var failedAttempts: Int
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(userID: UUID, purpose: PhoneCodePurpose, phone: String, newPhone: String?, createdAt: Date) {
        self.id = .timeOrdered()
        self.userID = userID
        self.purpose = purpose
        self.phone = phone
        self.newPhone = newPhone
        self.failedAttempts = 0
        self.createdAt = createdAt
    }
}
