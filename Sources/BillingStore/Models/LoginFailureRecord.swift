import BillingDomain
import FluentKit
import Foundation

/// A failed login, counted per e-mail and per IP address to slow down password guessing.
/// Kept in the database so that every instance behind a load balancer sees the same count.
public final class LoginFailureRecord: Model, @unchecked Sendable {
    public static let schema = "login_failures"

    @ID(key: .id) public var id: UUID?
    /// `client` or `staff`.
    @Field(key: "realm") public var realm: String
    /// The normalized e-mail that was tried (whether or not such a user exists).
    @Field(key: "email") public var email: String
    @Field(key: "ip") public var ip: String
    @Field(key: "at") public var at: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), realm: String, email: String, ip: String, at: Date) {
        self.id = id
        self.realm = realm
        self.email = email
        self.ip = ip
        self.at = at
    }
}
