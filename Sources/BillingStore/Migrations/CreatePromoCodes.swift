import FluentKit

public struct CreatePromoCodes: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PromoCodeRecord.schema)
            .id()
            .field("code", .string, .required)
            .field("kind", .string, .required)
            .field("value", .int64, .required)
            .field("currency", .string)
            .field("plan_id", .uuid)
            .field("valid_from", .string)
            .field("valid_until", .string)
            .field("usage_limit", .int)
            .field("once_per_client", .bool, .required)
            .field("enabled", .bool, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "code")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(PromoCodeRecord.schema).delete()
    }
}
