import FluentKit

/// The rights of a client user who is not the account's owner (`ClientRight` names). Every user
/// so far is an owner, who has every right; the column stays empty for them.
public struct AddRightsToUsers: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(UserRecord.schema).field("rights", .string).update()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(UserRecord.schema).deleteField("rights").update()
    }
}
