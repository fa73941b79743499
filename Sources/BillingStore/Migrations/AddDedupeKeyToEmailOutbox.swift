import FluentKit

/// Notices that must go out once per event (expiring soon, renewed, suspended) carry a key;
/// the unique index makes a second daily pass enqueue nothing.
public struct AddDedupeKeyToEmailOutbox: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(OutboxEmailRecord.schema).field("dedupe_key", .string).update()
        try await SchemaIndex.create(
            "email_outbox_dedupe_key", on: OutboxEmailRecord.schema, columns: ["dedupe_key"],
            unique: true, in: database)
    }
    public func revert(on database: any Database) async throws {
        try await SchemaIndex.drop("email_outbox_dedupe_key", in: database)
        try await database.schema(OutboxEmailRecord.schema).deleteField("dedupe_key").update()
    }
}
