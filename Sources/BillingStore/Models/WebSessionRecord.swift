import BillingDomain
import FluentKit
import Foundation

/// A logged-in browser session, kept in the database so that any instance serves any request.
/// Only the SHA-256 of the cookie's token is stored: a copy of the table logs nobody in.
public final class WebSessionRecord: Model, @unchecked Sendable {
    public static let schema = "web_sessions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "token_hash") public var tokenHash: String
    /// `client` or `staff`.
    @Field(key: "realm") public var realm: String
    /// A `users.id` for the client realm, a `staff_users.id` for the staff realm.
    @Field(key: "principal_id") public var principalID: UUID
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "last_seen_at") public var lastSeenAt: Date
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "ip") public var ip: String?
    @OptionalField(key: "user_agent") public var userAgent: String?

    public init() {}

    public init(
        id: UUID = .timeOrdered(), tokenHash: String, realm: String, principalID: UUID, createdAt: Date,
        expiresAt: Date, ip: String?, userAgent: String?
    ) {
        self.id = id
        self.tokenHash = tokenHash
        self.realm = realm
        self.principalID = principalID
        self.createdAt = createdAt
        self.lastSeenAt = createdAt
        self.expiresAt = expiresAt
        self.ip = ip
        self.userAgent = userAgent
    }
}
