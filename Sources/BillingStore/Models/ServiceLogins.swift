import BillingDomain
import FluentKit
import Foundation

/// The login a server was handed over with (SVC-3): its administrator user and password, sealed.
/// A reinstall makes the next password first (`next_*`, keyed by its job, so a job run again sets
/// the same one) and it becomes the shown one when the reinstall is done.
public final class ServiceLoginRecord: Model, @unchecked Sendable {
    public static let schema = "service_logins"

    @ID(key: .id) public var id: UUID?
    @Field(key: "service_id") public var serviceID: UUID
    @Field(key: "user_name") public var userName: String
    @Field(key: "password_sealed") public var passwordSealed: String
    @OptionalField(key: "next_password_sealed") public var nextPasswordSealed: String?
    @OptionalField(key: "next_key") public var nextKey: String?
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), serviceID: UUID, userName: String, passwordSealed: String, updatedAt: Date) {
        self.id = id
        self.serviceID = serviceID
        self.userName = userName
        self.passwordSealed = passwordSealed
        self.updatedAt = updatedAt
    }
}
