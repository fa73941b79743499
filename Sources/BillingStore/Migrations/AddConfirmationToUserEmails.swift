import FluentKit
import FluentSQL

/// Other e-mail addresses are confirmed by a link sent to them before they receive copies
/// (ACC-6). Addresses added before this were added by their logged-in user and stay in use.
public struct AddConfirmationToUserEmails: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one per ALTER TABLE.
        try await database.schema(UserEmailRecord.schema).field("confirmed_at", .datetime).update()
        try await database.schema(UserEmailRecord.schema).field("confirm_token_hash", .string).update()
        try await database.schema(UserEmailRecord.schema).field("confirm_expires_at", .datetime).update()
        try await database.sql.raw("UPDATE user_emails SET confirmed_at = created_at").run()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(UserEmailRecord.schema).deleteField("confirm_expires_at").update()
        try await database.schema(UserEmailRecord.schema).deleteField("confirm_token_hash").update()
        try await database.schema(UserEmailRecord.schema).deleteField("confirmed_at").update()
    }
}
