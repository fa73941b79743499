import BillingDomain
import FluentKit
import Foundation

/// A bearer token for the JSON API, acting as one user with the scopes it was given.
/// Only its SHA-256 is stored; the token itself is shown once, when it is created.
public final class APITokenRecord: Model, @unchecked Sendable {
    public static let schema = "api_tokens"

    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "token_hash") public var tokenHash: String
    /// Space-separated scopes, e.g. `read write`.
    @Field(key: "scopes") public var scopes: String
    @OptionalField(key: "last_used_at") public var lastUsedAt: Date?
    @OptionalField(key: "expires_at") public var expiresAt: Date?
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), userID: UUID, name: String, tokenHash: String, scopes: String,
        expiresAt: Date?, createdAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.name = name
        self.tokenHash = tokenHash
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}

/// A bearer token for the staff part of the JSON API, acting as one staff member with that
/// member's role, checked again on every request (a disabled member's tokens stop working).
/// Only its SHA-256 is stored.
public final class StaffAPITokenRecord: Model, @unchecked Sendable {
    public static let schema = "staff_api_tokens"

    @ID(key: .id) public var id: UUID?
    @Field(key: "staff_id") public var staffID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "token_hash") public var tokenHash: String
    @OptionalField(key: "last_used_at") public var lastUsedAt: Date?
    @OptionalField(key: "expires_at") public var expiresAt: Date?
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), staffID: UUID, name: String, tokenHash: String, expiresAt: Date?, createdAt: Date) {
        self.id = id
        self.staffID = staffID
        self.name = name
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}
