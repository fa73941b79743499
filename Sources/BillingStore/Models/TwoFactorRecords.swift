import BillingDomain
import FluentKit
import Foundation

/// A user's (or staff member's) TOTP key for the two-step login (ACC-4), sealed with the
/// installation's secret key (`SecretBox`). `confirmedAt` is `nil` while the user enrols: the key
/// counts only once a first code from the authenticator proved it was scanned.
public final class TwoFactorRecord: Model, @unchecked Sendable {
    public static let schema = "two_factor_keys"

    @ID(key: .id) public var id: UUID?
    /// `client` or `staff`.
    @Field(key: "realm") public var realm: String
    @Field(key: "principal_id") public var principalID: UUID
    @Field(key: "secret_sealed") public var secretSealed: String
    @OptionalField(key: "confirmed_at") public var confirmedAt: Date?
    /// The 30-second step of the last code accepted: a code is good once (ASVS 2.8.4).
    @OptionalField(key: "last_step") public var lastStep: Int64?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), realm: String, principalID: UUID, secretSealed: String, createdAt: Date) {
        self.id = id
        self.realm = realm
        self.principalID = principalID
        self.secretSealed = secretSealed
        self.createdAt = createdAt
    }
}

/// One of the ten single-use recovery codes of a two-step login; only its SHA-256 is stored.
public final class RecoveryCodeRecord: Model, @unchecked Sendable {
    public static let schema = "recovery_codes"

    @ID(key: .id) public var id: UUID?
    @Field(key: "realm") public var realm: String
    @Field(key: "principal_id") public var principalID: UUID
    @Field(key: "code_hash") public var codeHash: String
    @OptionalField(key: "used_at") public var usedAt: Date?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), realm: String, principalID: UUID, codeHash: String, createdAt: Date) {
        self.id = id
        self.realm = realm
        self.principalID = principalID
        self.codeHash = codeHash
        self.createdAt = createdAt
    }
}
