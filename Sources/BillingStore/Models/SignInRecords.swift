import BillingDomain
import FluentKit
import Foundation

/// A single-use, short-lived sign-in link e-mailed when an account's logins are under attack
/// (the second step of a login from a device not trusted yet). Only the token's digest is stored.
public final class SignInLinkRecord: Model, @unchecked Sendable {
    public static let schema = "sign_in_links"

    @ID(key: .id) public var id: UUID?
    /// `client` (a `users.id`) or `staff` (a `staff_users.id`).
    @Field(key: "realm") public var realm: String
    @Field(key: "principal_id") public var principalID: UUID
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "used_at") public var usedAt: Date?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), realm: String, principalID: UUID, tokenHash: String, expiresAt: Date, createdAt: Date) {
        self.id = id
        self.realm = realm
        self.principalID = principalID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}

/// A browser that signed in to a principal before: its cookie's digest, until when it is trusted.
/// A right password from a trusted device is let in even while strangers' failures have locked
/// the e-mail's logins.
public final class TrustedDeviceRecord: Model, @unchecked Sendable {
    public static let schema = "trusted_devices"

    @ID(key: .id) public var id: UUID?
    @Field(key: "realm") public var realm: String
    @Field(key: "principal_id") public var principalID: UUID
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "expires_at") public var expiresAt: Date
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), realm: String, principalID: UUID, tokenHash: String, expiresAt: Date, createdAt: Date) {
        self.id = id
        self.realm = realm
        self.principalID = principalID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}
