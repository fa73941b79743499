import BillingDomain
import FluentKit
import Foundation

/// A single-use, expiring password-reset link. Only the token's SHA-256 is stored.
public final class PasswordResetRecord: Model, @unchecked Sendable {
    public static let schema = "password_resets"

    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "used_at") public var usedAt: Date?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), userID: UUID, tokenHash: String, expiresAt: Date, createdAt: Date) {
        self.id = id
        self.userID = userID
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
        self.createdAt = createdAt
    }
}
