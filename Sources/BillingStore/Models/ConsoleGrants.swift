import BillingDomain
import FluentKit
import Foundation

/// A client's temporary BMC user for the IP-KVM link of a dedicated server: one row per
/// service, renewed when the client opens access again. The password is sealed (the job needs
/// it to set the BMC user); the client saw it once, on the page that opened the access.
public final class ConsoleGrantRecord: Model, @unchecked Sendable {
    public static let schema = "console_grants"

    @ID(key: .id) public var id: UUID?
    @Field(key: "service_id") public var serviceID: UUID
    /// The pool's server the user is on, kept so that it is removed even after the service let
    /// the server go.
    @OptionalField(key: "server_id") public var serverID: UUID?
    @Field(key: "user_name") public var userName: String
    @Field(key: "password_sealed") public var passwordSealed: String
    @Field(key: "status") public var status: ConsoleGrantStatus
    /// Raised each time the access is opened again; a job of an older one does nothing.
    @Field(key: "generation") public var generation: Int
    @Field(key: "expires_at") public var expiresAt: Date
    /// What the BMC said when it refused.
    @OptionalField(key: "error") public var error: String?
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), serviceID: UUID, userName: String, passwordSealed: String, status: ConsoleGrantStatus,
        generation: Int, expiresAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.serviceID = serviceID
        self.userName = userName
        self.passwordSealed = passwordSealed
        self.status = status
        self.generation = generation
        self.expiresAt = expiresAt
        self.updatedAt = updatedAt
    }
}
