import FluentKit

public struct CreatePayments: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PaymentRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, .id))
            .field("number", .int, .required)
            .field("method_id", .uuid)
            .field("method_kind", .string, .required)
            .field("purpose", .string, .required)
            .field("order_id", .uuid)
            .field("service_id", .uuid)
            .field("payer_id", .uuid)
            .field("saved_method_id", .uuid)
            .field("cashback_of", .uuid)
            .field("currency", .string, .required)
            .field("amount", .int64, .required)
            .field("commission", .int64, .required)
            .field("total", .int64, .required)
            .field("cashback", .int64, .required)
            .field("refunded", .int64, .required)
            .field("status", .string, .required)
            .field("save_method", .bool, .required)
            .field("gateway_session_id", .string)
            .field("gateway_payment_id", .string)
            .field("redirect_url", .string)
            .field("failure", .string)
            .field("idempotency_key", .string, .required)
            .field("created_at", .datetime, .required)
            .field("credited_at", .datetime)
            .field("ledger_transaction_id", .uuid)
            .unique(on: "number")
            .unique(on: "idempotency_key")
            .create()
        try await SchemaIndex.create("payments_account", on: PaymentRecord.schema, columns: ["account_id", "created_at"], in: database)
        try await SchemaIndex.create("payments_status", on: PaymentRecord.schema, columns: ["status", "created_at"], in: database)
        try await SchemaIndex.create("payments_order", on: PaymentRecord.schema, columns: ["order_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(PaymentRecord.schema).delete()
    }
}
