import BillingDomain
import FluentKit
import Foundation

/// A person who logs into a client account. The account's first user is its owner.
public final class UserRecord: Model, @unchecked Sendable {
    public static let schema = "users"

    @ID(key: .id) public var id: UUID?
    @Field(key: "account_id") public var accountID: UUID
    /// Stored trimmed and lower-cased, so the unique index makes it unique case-insensitively.
    @Field(key: "email") public var email: String
    @Field(key: "name") public var name: String
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "is_owner") public var isOwner: Bool
    @Field(key: "enabled") public var enabled: Bool
    @OptionalField(key: "phone") public var phone: String?
    /// When the phone number was confirmed by a code sent to it; `nil`: not confirmed (ACC-2).
    @OptionalField(key: "phone_confirmed_at") public var phoneConfirmedAt: Date?
    @OptionalField(key: "language") public var language: Language?
    @OptionalField(key: "last_login_at") public var lastLoginAt: Date?
    /// When the user followed the sign-up link; `nil` until then, and login waits for it.
    @OptionalField(key: "email_confirmed_at") public var emailConfirmedAt: Date?
    /// The rights of a user who is not the owner (`ClientRight` names, space-separated); the
    /// owner has every right whatever this holds.
    @OptionalField(key: "rights") public var rights: String?
    /// The user who invited this one (`nil` for the owner and for users made by staff).
    @OptionalField(key: "invited_by") public var invitedBy: UUID?
    /// When the user was deleted from the account: they stay for the history, never log in.
    @OptionalField(key: "deleted_at") public var deletedAt: Date?
    @Field(key: "created_at") public var createdAt: Date
    /// Name and e-mail as staff search finds them (`SearchText`), kept by `SearchTextMiddleware`.
    @Field(key: "search_text") public var searchText: String

    public init() {}

    public init(
        id: UUID = .timeOrdered(), accountID: UUID, email: String, name: String, passwordHash: String,
        isOwner: Bool, enabled: Bool = true, phone: String? = nil, language: Language? = nil, createdAt: Date,
        emailConfirmedAt: Date? = nil
    ) {
        self.id = id
        self.accountID = accountID
        self.email = email
        self.name = name
        self.passwordHash = passwordHash
        self.isOwner = isOwner
        self.enabled = enabled
        self.phone = phone
        self.language = language
        self.createdAt = createdAt
        self.emailConfirmedAt = emailConfirmedAt
        self.searchText = folded
    }
}
