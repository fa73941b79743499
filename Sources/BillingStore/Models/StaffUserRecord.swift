import BillingDomain
import FluentKit
import Foundation

/// A member of the provider's staff, who logs in at `/admin`. Separate from client users on purpose:
/// a leaked client session can never become a staff one.
public final class StaffUserRecord: Model, @unchecked Sendable {
    public static let schema = "staff_users"

    @ID(key: .id) public var id: UUID?
    @Field(key: "email") public var email: String
    @Field(key: "name") public var name: String
    @Field(key: "password_hash") public var passwordHash: String
    @Field(key: "role") public var role: StaffRole
    @Field(key: "enabled") public var enabled: Bool
    @OptionalField(key: "last_login_at") public var lastLoginAt: Date?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), email: String, name: String, passwordHash: String, role: StaffRole,
        enabled: Bool = true, createdAt: Date
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.passwordHash = passwordHash
        self.role = role
        self.enabled = enabled
        self.createdAt = createdAt
    }
}
