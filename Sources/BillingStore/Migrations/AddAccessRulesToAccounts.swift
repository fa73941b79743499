import FluentKit

/// An account's enhanced security (ACC-5): the networks its users may work from, and the code
/// word support asks for, stored as a bcrypt hash.
public struct AddAccessRulesToAccounts: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(AccountRecord.schema).field("allowed_networks", .string).update()
        try await database.schema(AccountRecord.schema).field("code_word_hash", .string).update()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(AccountRecord.schema).deleteField("code_word_hash").update()
        try await database.schema(AccountRecord.schema).deleteField("allowed_networks").update()
    }
}
