import FluentKit
import FluentSQL

/// The login history (ACC-5): every login of a known user and every refusal, newest read first.
public struct CreateLoginEvents: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(LoginEventRecord.schema).id()
            .field("realm", .string, .required)
            .field("principal_id", .uuid, .required)
            .field("account_id", .uuid)
            .field("at", .datetime, .required)
            .field("ip", .string, .required)
            .field("user_agent", .string)
            .field("channel", .string, .required)
            .field("outcome", .string, .required)
            .create()
        try await database.sql.raw("CREATE INDEX login_events_account ON login_events (account_id, at)").run()
        try await database.sql.raw("CREATE INDEX login_events_principal ON login_events (principal_id, at)").run()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(LoginEventRecord.schema).delete()
    }
}
