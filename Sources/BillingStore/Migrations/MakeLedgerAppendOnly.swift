import FluentKit
import FluentSQL

/// The ledger is append-only by rule; this makes it so in the database too, so that no code path,
/// script or hurried console session can edit or delete a posted amount.
public struct MakeLedgerAppendOnly: AsyncMigration {
    public init() {}

    static let tables = [LedgerTransactionRecord.schema, LedgerEntryRecord.schema]

    public func prepare(on database: any Database) async throws {
        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw(
                """
                CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END;
                $$ LANGUAGE plpgsql
                """
            ).run()
            for table in Self.tables {
                try await sql.raw(
                    SQLQueryString(
                        "CREATE TRIGGER \(unsafeRaw: table)_append_only BEFORE UPDATE OR DELETE ON \(unsafeRaw: table) FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
                    )
                ).run()
            }
        } else {
            for table in Self.tables {
                for operation in ["UPDATE", "DELETE"] {
                    try await sql.raw(
                        SQLQueryString(
                            "CREATE TRIGGER \(unsafeRaw: table)_no_\(unsafeRaw: operation.lowercased()) BEFORE \(unsafeRaw: operation) ON \(unsafeRaw: table) BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"
                        )
                    ).run()
                }
            }
        }
    }

    public func revert(on database: any Database) async throws {
        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            for table in Self.tables {
                try await sql.raw(SQLQueryString("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_append_only ON \(unsafeRaw: table)")).run()
            }
            try await sql.raw("DROP FUNCTION IF EXISTS ledger_refuse_change()").run()
        } else {
            for table in Self.tables {
                for operation in ["update", "delete"] {
                    try await sql.raw(SQLQueryString("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_no_\(unsafeRaw: operation)")).run()
                }
            }
        }
    }
}
