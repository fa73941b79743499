import FluentKit

public struct CreateExpenses: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(ExpenseRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, .id))
            .field("service_id", .uuid)
            .field("description", .string, .required)
            .field("charged_on", .string, .required)
            .field("period_from", .string)
            .field("period_to", .string)
            .field("amount", .int64, .required)
            .field("tax", .int64, .required)
            .field("tax_rate", .int64, .required)
            .field("currency", .string, .required)
            .field("paid_amount", .int64, .required)
            .field("ledger_transaction_id", .uuid)
            .field("idempotency_key", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "idempotency_key")
            .create()
        try await SchemaIndex.create("expenses_account", on: ExpenseRecord.schema, columns: ["account_id", "charged_on"], in: database)
        try await SchemaIndex.create("expenses_service", on: ExpenseRecord.schema, columns: ["service_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(ExpenseRecord.schema).delete()
    }
}
