import BillingDomain
import FluentKit
import Foundation

/// Another address of a client user (ACC-6) and the categories of mail it receives a copy of
/// (`MailCategory` names, space-separated; never `security`).
public final class UserEmailRecord: Model, @unchecked Sendable {
    public static let schema = "user_emails"

    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "email") public var email: String
    @Field(key: "categories") public var categories: String
    @Field(key: "created_at") public var createdAt: Date
    /// When the address's owner followed the confirmation link; copies go to confirmed addresses only.
    @OptionalField(key: "confirmed_at") public var confirmedAt: Date?
    /// The digest of the confirmation link's token (made when the e-mail is sent) and its end.
    @OptionalField(key: "confirm_token_hash") public var confirmTokenHash: String?
    @OptionalField(key: "confirm_expires_at") public var confirmExpiresAt: Date?

    public init() {}

    public init(id: UUID = .timeOrdered(), userID: UUID, email: String, categories: String, createdAt: Date) {
        self.id = id
        self.userID = userID
        self.email = email
        self.categories = categories
        self.createdAt = createdAt
    }
}
