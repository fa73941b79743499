import FluentKit
import FluentSQL

/// Makes a table append-only in the database itself (the audit log, the privacy policy's
/// versions): an UPDATE or DELETE is refused by a trigger on both databases, whoever sends it.
enum AppendOnly {
    /// `prefix` names the PostgreSQL function (`<prefix>_refuse_change`) and the triggers.
    static func install(on table: String, prefix: String, message: String, in database: any Database) async throws {
        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw(
                SQLQueryString(
                    """
                    CREATE OR REPLACE FUNCTION \(unsafeRaw: prefix)_refuse_change() RETURNS trigger AS $$
                    BEGIN RAISE EXCEPTION '\(unsafeRaw: message): % refused', TG_OP; END;
                    $$ LANGUAGE plpgsql
                    """)
            ).run()
            try await sql.raw(
                SQLQueryString(
                    "CREATE TRIGGER \(unsafeRaw: table)_append_only BEFORE UPDATE OR DELETE ON \(unsafeRaw: table) FOR EACH ROW EXECUTE FUNCTION \(unsafeRaw: prefix)_refuse_change()"
                )
            ).run()
        } else {
            for operation in ["UPDATE", "DELETE"] {
                try await sql.raw(
                    SQLQueryString(
                        "CREATE TRIGGER \(unsafeRaw: table)_no_\(unsafeRaw: operation.lowercased()) BEFORE \(unsafeRaw: operation) ON \(unsafeRaw: table) BEGIN SELECT RAISE(ABORT, '\(unsafeRaw: message)'); END"
                    )
                ).run()
            }
        }
    }

    static func remove(on table: String, prefix: String, in database: any Database) async throws {
        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw(SQLQueryString("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_append_only ON \(unsafeRaw: table)")).run()
            try await sql.raw(SQLQueryString("DROP FUNCTION IF EXISTS \(unsafeRaw: prefix)_refuse_change()")).run()
        }
    }
}
