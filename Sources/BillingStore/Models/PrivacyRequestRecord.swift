import BillingDomain
import FluentKit
import Foundation

/// A user's request about their personal data (ACC-7): to erase it or to restrict its use. Staff
/// handle it in `/admin/privacy` and the user sees where it stands.
public final class PrivacyRequestRecord: Model, @unchecked Sendable {
    public static let schema = "privacy_requests"

    @ID(key: .id) public var id: UUID?
    @Field(key: "account_id") public var accountID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "kind") public var kind: PrivacyRequestKind
    @Field(key: "status") public var status: PrivacyRequestStatus
    @Field(key: "message") public var message: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "handled_at") public var handledAt: Date?
    @OptionalField(key: "handled_by") public var handledBy: UUID?
    /// What staff answered (shown to the user).
    @OptionalField(key: "answer") public var answer: String?

    public init() {}

    public init(
        id: UUID = .timeOrdered(), accountID: UUID, userID: UUID, kind: PrivacyRequestKind, message: String, createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.userID = userID
        self.kind = kind
        self.status = .open
        self.message = message
        self.createdAt = createdAt
    }
}
