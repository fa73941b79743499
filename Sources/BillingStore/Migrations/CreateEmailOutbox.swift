import FluentKit

public struct CreateEmailOutbox: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(OutboxEmailRecord.schema)
            .id()
            .field("account_id", .uuid)
            .field("recipient", .string, .required)
            .field("subject", .string, .required)
            .field("body", .string, .required)
            .field("category", .string, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await SchemaIndex.create("email_outbox_status", on: OutboxEmailRecord.schema, columns: ["status", "created_at"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(OutboxEmailRecord.schema).delete()
    }
}
