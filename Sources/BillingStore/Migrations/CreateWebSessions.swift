import FluentKit

public struct CreateWebSessions: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(WebSessionRecord.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("realm", .string, .required)
            .field("principal_id", .uuid, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("ip", .string)
            .field("user_agent", .string)
            .unique(on: "token_hash")
            .create()
        try await SchemaIndex.create("web_sessions_principal", on: WebSessionRecord.schema, columns: ["principal_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(WebSessionRecord.schema).delete()
    }
}
