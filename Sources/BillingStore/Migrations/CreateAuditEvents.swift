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
        try await AppendOnly.install(
            on: AuditEventRecord.schema, prefix: "audit", message: "the audit log is append-only", in: database)
    }

    public func revert(on database: any Database) async throws {
        try await AppendOnly.remove(on: AuditEventRecord.schema, prefix: "audit", in: database)
        try await database.schema(AuditEventRecord.schema).delete()
    }
}
