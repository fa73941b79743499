import FluentKit
import FluentSQL

/// The audit log of staff actions; append-only in the database, like the ledger, so nobody edits
/// or deletes what was done.
public struct CreateAuditEvents: AsyncMigration {
    public init() {}

    public func prepare(on database: any Database) async throws {
        try await database.schema(AuditEventRecord.schema).id()
            .field("at", .datetime, .required)
            .field("staff_id", .uuid, .required)
            .field("staff_name", .string, .required)
            .field("ip", .string, .required)
            .field("action", .string, .required)
            .field("target", .string)
            .field("details", .string, .required)
            .field("search_text", .string, .required)
            .create()
        let sql = database.sql
        try await sql.raw("CREATE INDEX audit_events_at ON audit_events (at)").run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw(
                """
                CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP; END;
                $$ LANGUAGE plpgsql
                """
            ).run()
            try await sql.raw(
                "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
            ).run()
        } else {
            for operation in ["UPDATE", "DELETE"] {
                try await sql.raw(
                    SQLQueryString(
                        "CREATE TRIGGER audit_events_no_\(unsafeRaw: operation.lowercased()) BEFORE \(unsafeRaw: operation) ON audit_events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
                    )
                ).run()
            }
        }
    }

    public func revert(on database: any Database) async throws {
        let sql = database.sql
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events").run()
            try await sql.raw("DROP FUNCTION IF EXISTS audit_refuse_change()").run()
        }
        try await database.schema(AuditEventRecord.schema).delete()
    }
}
