import FluentKit

/// Users of an account besides its owner (ACC-3): who invited them and when they were deleted.
/// A deleted user stays (the history and the ledger name them) but never logs in again, and
/// their address is free for another invitation.
public struct AddInvitationToUsers: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one per ALTER TABLE.
        try await database.schema(UserRecord.schema).field("invited_by", .uuid).update()
        try await database.schema(UserRecord.schema).field("deleted_at", .datetime).update()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(UserRecord.schema).deleteField("deleted_at").update()
        try await database.schema(UserRecord.schema).deleteField("invited_by").update()
    }
}
