import FluentKit

/// The words of a ledger transaction as a locale key and arguments (`LedgerText`, JSON), so a
/// client's history reads in their language. Nullable: older rows keep their English memo.
/// Adding a column is not an UPDATE, so the append-only triggers do not object.
public struct AddTextToLedgerTransactions: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema("ledger_transactions").field("text", .string).update()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema("ledger_transactions").deleteField("text").update()
    }
}
