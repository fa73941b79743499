import FluentKit

/// Requests to erase personal data or restrict its use (ACC-7), in a staff queue.
public struct CreatePrivacyRequests: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PrivacyRequestRecord.schema).id()
            .field("account_id", .uuid, .required)
            .field("user_id", .uuid, .required, .references(UserRecord.schema, "id"))
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("message", .string, .required)
            .field("created_at", .datetime, .required)
            .field("handled_at", .datetime)
            .field("handled_by", .uuid)
            .field("answer", .string)
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(PrivacyRequestRecord.schema).delete()
    }
}
