import FluentKit
import FluentSQL

public struct CreateUsers: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(UserRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, "id"))
            .field("email", .string, .required)
            .field("name", .string, .required)
            .field("password_hash", .string, .required)
            .field("is_owner", .bool, .required)
            .field("enabled", .bool, .required)
            .field("phone", .string)
            .field("language", .string)
            .field("last_login_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "email")
            .create()
        try await SchemaIndex.create("users_account_id", on: UserRecord.schema, columns: ["account_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(UserRecord.schema).delete()
    }
}
