import FluentKit

public struct CreateAPIIdempotency: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(IdempotentResponseRecord.schema)
            .id()
            .field("scope", .string, .required)
            .field("key", .string, .required)
            .field("request_hash", .string, .required)
            .field("status", .int, .required)
            .field("content_type", .string, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "scope", "key")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(IdempotentResponseRecord.schema).delete()
    }
}
