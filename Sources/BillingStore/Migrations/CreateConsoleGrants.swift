import FluentKit

/// The clients' temporary BMC users for the IP-KVM link (SVC-4).
public struct CreateConsoleGrants: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(ConsoleGrantRecord.schema)
            .field(.id, .uuid, .identifier(auto: false))
            .field("service_id", .uuid, .required, .references(ServiceRecord.schema, "id"))
            .field("server_id", .uuid)
            .field("user_name", .string, .required)
            .field("password_sealed", .string, .required)
            .field("status", .string, .required)
            .field("generation", .int, .required)
            .field("expires_at", .datetime, .required)
            .field("error", .string)
            .field("updated_at", .datetime, .required)
            .unique(on: "service_id")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(ConsoleGrantRecord.schema).delete()
    }
}
