import FluentKit

/// A client user's other e-mail addresses and what each receives (ACC-6).
public struct CreateUserEmails: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(UserEmailRecord.schema).id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, "id"))
            .field("email", .string, .required)
            .field("categories", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "user_id", "email")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(UserEmailRecord.schema).delete()
    }
}
