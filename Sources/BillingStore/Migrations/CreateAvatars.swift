import FluentKit

/// Users' pictures (ACC-6).
public struct CreateAvatars: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(AvatarRecord.schema)
            .field(.id, .uuid, .identifier(auto: false), .references(UserRecord.schema, "id"))
            .field("kind", .string, .required)
            .field("data", .data, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(AvatarRecord.schema).delete()
    }
}
