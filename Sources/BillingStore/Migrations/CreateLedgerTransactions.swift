import FluentKit

public struct CreateLedgerTransactions: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(LedgerTransactionRecord.schema)
            .id()
            .field("idempotency_key", .string, .required)
            .field("kind", .string, .required)
            .field("memo", .string, .required)
            .field("actor", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "idempotency_key")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(LedgerTransactionRecord.schema).delete()
    }
}
