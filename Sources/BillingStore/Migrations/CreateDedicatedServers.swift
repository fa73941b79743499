import FluentKit

/// The provider's pool of dedicated servers with their BMCs (SVC-2).
public struct CreateDedicatedServers: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(DedicatedServerRecord.schema)
            .field(.id, .uuid, .identifier(auto: false))
            .field("name", .string, .required)
            .field("bmc_host", .string, .required)
            .field("bmc_port", .int, .required)
            .field("bmc_user", .string, .required)
            .field("bmc_password_sealed", .string, .required)
            .field("address", .string, .required)
            .field("notes", .string, .required)
            .field("service_id", .uuid, .references(ServiceRecord.schema, "id"))
            .field("created_at", .datetime, .required)
            .unique(on: "name")
            .unique(on: "address")
            .unique(on: "service_id")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(DedicatedServerRecord.schema).delete()
    }
}
