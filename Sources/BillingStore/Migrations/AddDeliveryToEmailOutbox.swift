import FluentKit

/// What the delivery worker needs to send each message once, retry it, and show why it failed:
/// a lease (owner and expiry) so two instances never send the same message, the next attempt's
/// time, the last error, the Message-ID it went out with, and the recipient's language.
public struct AddDeliveryToEmailOutbox: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        let fields: [(FieldKey, DatabaseSchema.DataType)] = [
            ("language", .string), ("message_id", .string), ("next_attempt_at", .datetime),
            ("lease_owner", .string), ("lease_until", .datetime), ("last_error", .string)
        ]
        for (name, type) in fields {
            try await database.schema(OutboxEmailRecord.schema).field(name, type).update()
        }
        try await SchemaIndex.create("email_outbox_due", on: OutboxEmailRecord.schema, columns: ["status", "next_attempt_at"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await SchemaIndex.drop("email_outbox_due", in: database)
        for field in ["language", "message_id", "next_attempt_at", "lease_owner", "lease_until", "last_error"] {
            try await database.schema(OutboxEmailRecord.schema).deleteField(FieldKey(stringLiteral: field)).update()
        }
    }
}
