import FluentKit

/// Servers' traffic (SVC-5): the last counters read, and the bytes of each hour.
public struct CreateTraffic: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(TrafficCounterRecord.schema)
            .field(.id, .uuid, .identifier(auto: false))
            .field("service_id", .uuid, .required, .references(ServiceRecord.schema, "id"))
            .field("rx_bytes", .int64, .required)
            .field("tx_bytes", .int64, .required)
            .field("read_at", .datetime, .required)
            .unique(on: "service_id")
            .create()
        try await database.schema(TrafficHourRecord.schema)
            .field(.id, .uuid, .identifier(auto: false))
            .field("service_id", .uuid, .required, .references(ServiceRecord.schema, "id"))
            .field("hour", .datetime, .required)
            .field("rx_bytes", .int64, .required)
            .field("tx_bytes", .int64, .required)
            .unique(on: "service_id", "hour")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(TrafficHourRecord.schema).delete()
        try await database.schema(TrafficCounterRecord.schema).delete()
    }
}
