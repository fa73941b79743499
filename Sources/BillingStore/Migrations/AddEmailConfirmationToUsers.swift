import FluentKit
import SQLKit

/// A client user confirms the e-mail address before the first login (the sign-up answers the
/// same whether or not the address has an account, ACC-1). Users who existed before are taken as
/// confirmed.
public struct AddEmailConfirmationToUsers: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(UserRecord.schema).field("email_confirmed_at", .datetime).update()
        let sql = database.sql
        try await sql.raw("UPDATE users SET email_confirmed_at = created_at").run()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(UserRecord.schema).deleteField("email_confirmed_at").update()
    }
}
