import BillingDomain
import FluentKit
import Foundation

/// One physical server of the provider's pool (SVC-2): what staff entered about it, and the
/// service it runs now (`nil`: free). A dedicated plan on the IPMI module hands out a free one
/// at opening and takes it back at deletion.
public final class DedicatedServerRecord: Model, @unchecked Sendable {
    public static let schema = "dedicated_servers"

    @ID(key: .id) public var id: UUID?
    /// The provider's label (`rack3-u12`); unique.
    @Field(key: "name") public var name: String
    /// Where its BMC answers IPMI over LAN.
    @Field(key: "bmc_host") public var bmcHost: String
    @Field(key: "bmc_port") public var bmcPort: Int
    @Field(key: "bmc_user") public var bmcUser: String
    /// The BMC password, sealed by the installation's secret box; never shown again.
    @Field(key: "bmc_password_sealed") public var bmcPasswordSealed: String
    /// The address the client reaches the server on.
    @Field(key: "address") public var address: String
    @Field(key: "notes") public var notes: String
    /// The service it runs; unique, so one server never serves two.
    @OptionalField(key: "service_id") public var serviceID: UUID?
    @Field(key: "created_at") public var createdAt: Date
    /// The switch port it is cabled to, read over SNMP v2c for its traffic; all four or none.
    @OptionalField(key: "switch_host") public var switchHost: String?
    @OptionalField(key: "switch_port") public var switchPort: Int?
    /// The agent's read community, sealed like the BMC password.
    @OptionalField(key: "switch_community_sealed") public var switchCommunitySealed: String?
    @OptionalField(key: "switch_interface") public var switchInterface: Int?

    public init() {}

    public init(
        id: UUID = .timeOrdered(), name: String, bmcHost: String, bmcPort: Int, bmcUser: String, bmcPasswordSealed: String,
        address: String, notes: String = "", createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.bmcHost = bmcHost
        self.bmcPort = bmcPort
        self.bmcUser = bmcUser
        self.bmcPasswordSealed = bmcPasswordSealed
        self.address = address
        self.notes = notes
        self.serviceID = nil
        self.createdAt = createdAt
    }
}
