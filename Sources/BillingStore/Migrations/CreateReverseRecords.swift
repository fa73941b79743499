import FluentKit

/// The reverse DNS of the servers' addresses as clients set it (SVC-4).
public struct CreateReverseRecords: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(ReverseRecord.schema)
            .field(.id, .uuid, .identifier(auto: false))
            .field("service_id", .uuid, .required, .references(ServiceRecord.schema, "id"))
            .field("address", .string, .required)
            .field("name", .string)
            .field("status", .string, .required)
            .field("error", .string)
            .field("updated_at", .datetime, .required)
            .unique(on: "address")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(ReverseRecord.schema).delete()
    }
}
