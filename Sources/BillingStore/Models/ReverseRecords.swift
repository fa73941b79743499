import BillingDomain
import FluentKit
import Foundation

/// The reverse DNS (PTR) of one of a server's addresses: the name the client asked for and
/// whether the DNS server holds it yet. One row per address; a new name replaces the old.
public final class ReverseRecord: Model, @unchecked Sendable {
    public static let schema = "reverse_records"

    @ID(key: .id) public var id: UUID?
    @Field(key: "service_id") public var serviceID: UUID
    /// The address as written (`192.0.2.7`, `2001:db8::25`).
    @Field(key: "address") public var address: String
    /// The host name without the trailing dot; `nil`: the record is to be removed.
    @OptionalField(key: "name") public var name: String?
    @Field(key: "status") public var status: ReverseRecordStatus
    /// What the DNS server said when it refused, for the client and staff.
    @OptionalField(key: "error") public var error: String?
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), serviceID: UUID, address: String, name: String?, status: ReverseRecordStatus, updatedAt: Date) {
        self.id = id
        self.serviceID = serviceID
        self.address = address
        self.name = name
        self.status = status
        self.updatedAt = updatedAt
    }
}
