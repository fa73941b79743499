import FluentKit

public struct CreateLedgerEntries: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(LedgerEntryRecord.schema)
            .id()
            .field("transaction_id", .uuid, .required, .references(LedgerTransactionRecord.schema, "id"))
            .field("account_code", .string, .required)
            .field("client_account_id", .uuid)
            .field("amount", .int64, .required)
            .field("currency", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await SchemaIndex.create(
            "ledger_entries_client", on: LedgerEntryRecord.schema,
            columns: ["client_account_id", "created_at"], in: database)
        try await SchemaIndex.create(
            "ledger_entries_account_code", on: LedgerEntryRecord.schema,
            columns: ["account_code"], in: database)
        try await SchemaIndex.create(
            "ledger_entries_transaction", on: LedgerEntryRecord.schema,
            columns: ["transaction_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(LedgerEntryRecord.schema).delete()
    }
}
