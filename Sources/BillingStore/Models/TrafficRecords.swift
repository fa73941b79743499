import BillingDomain
import FluentKit
import Foundation

/// The last interface counters read from a server, which the next reading is compared with.
public final class TrafficCounterRecord: Model, @unchecked Sendable {
    public static let schema = "traffic_counters"

    @ID(key: .id) public var id: UUID?
    @Field(key: "service_id") public var serviceID: UUID
    /// Counters as the backend holds them (64-bit values stored as signed integers).
    @Field(key: "rx_bytes") public var rxBytes: Int64
    @Field(key: "tx_bytes") public var txBytes: Int64
    @Field(key: "read_at") public var readAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), serviceID: UUID, rxBytes: Int64, txBytes: Int64, readAt: Date) {
        self.id = id
        self.serviceID = serviceID
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.readAt = readAt
    }
}

/// The bytes a server received and sent in one hour (UTC), the sum of the differences between
/// the readings in it. Charts of a day, week, month and year add these up.
public final class TrafficHourRecord: Model, @unchecked Sendable {
    public static let schema = "traffic_hours"

    @ID(key: .id) public var id: UUID?
    @Field(key: "service_id") public var serviceID: UUID
    /// The hour's start.
    @Field(key: "hour") public var hour: Date
    @Field(key: "rx_bytes") public var rxBytes: Int64
    @Field(key: "tx_bytes") public var txBytes: Int64

    public init() {}

    public init(id: UUID = .timeOrdered(), serviceID: UUID, hour: Date, rxBytes: Int64, txBytes: Int64) {
        self.id = id
        self.serviceID = serviceID
        self.hour = hour
        self.rxBytes = rxBytes
        self.txBytes = txBytes
    }
}
