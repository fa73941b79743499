import FluentKit

public struct CreateStaffAPITokens: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(StaffAPITokenRecord.schema)
            .id()
            .field("staff_id", .uuid, .required, .references(StaffUserRecord.schema, "id"))
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("last_used_at", .datetime)
            .field("expires_at", .datetime)
            .field("revoked_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(StaffAPITokenRecord.schema).delete()
    }
}
