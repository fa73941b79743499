import FluentKit
import FluentSQL

/// A client's balance per currency, kept beside the ledger so reading it costs one primary-key
/// look-up instead of a sum over the client's whole history. `Ledger` changes it in the same
/// transaction as every posting that touches a client's balance; `billing ledger check` proves it
/// equal to the sum of the entries. Filled here from the entries already posted.
public struct CreateClientBalances: AsyncMigration {
    public init() {}

    public static let schema = "client_balances"

    public func prepare(on database: any Database) async throws {
        try await database.schema(Self.schema)
            .field("account_id", .uuid, .required)
            .field("currency", .string, .required)
            .field("balance", .int64, .required)
            .compositeIdentifier(over: "account_id", "currency")
            .create()
        try await database.sql.raw(
            """
            INSERT INTO client_balances (account_id, currency, balance)
            SELECT client_account_id, currency, CAST(SUM(amount) AS BIGINT) FROM ledger_entries
            WHERE client_account_id IS NOT NULL GROUP BY client_account_id, currency
            """
        ).run()
    }

    public func revert(on database: any Database) async throws {
        try await database.schema(Self.schema).delete()
    }
}
