import FluentKit

public struct CreateGatewayEvents: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(GatewayEventRecord.schema)
            .id()
            .field("gateway", .string, .required)
            .field("event_id", .string, .required)
            .field("kind", .string, .required)
            .field("reference", .string, .required)
            .field("outcome", .string, .required)
            .field("received_at", .datetime, .required)
            .unique(on: "gateway", "event_id")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(GatewayEventRecord.schema).delete()
    }
}
