import FluentKit

public struct CreateStaffUsers: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(StaffUserRecord.schema)
            .id()
            .field("email", .string, .required)
            .field("name", .string, .required)
            .field("password_hash", .string, .required)
            .field("role", .string, .required)
            .field("enabled", .bool, .required)
            .field("last_login_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "email")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(StaffUserRecord.schema).delete()
    }
}
