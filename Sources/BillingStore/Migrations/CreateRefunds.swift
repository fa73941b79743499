import FluentKit

public struct CreateRefunds: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(RefundRecord.schema)
            .id()
            .field("payment_id", .uuid, .required, .references(PaymentRecord.schema, .id))
            .field("amount", .int64, .required)
            .field("currency", .string, .required)
            .field("gateway_refund_id", .string)
            .field("reason", .string, .required)
            .field("actor", .string, .required)
            .field("idempotency_key", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "idempotency_key")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(RefundRecord.schema).delete()
    }
}
