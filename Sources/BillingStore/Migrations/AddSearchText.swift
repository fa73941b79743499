import FluentKit
import FluentSQL
import Foundation

/// Names and e-mails folded to lower case in every script, for staff search (`SearchText`):
/// the column is added empty, then filled from the rows there are.
public struct AddSearchText: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        for schema in [AccountRecord.schema, UserRecord.schema] {
            try await database.schema(schema).field("search_text", .string, .required, .sql(.default(""))).update()
        }
        let sql = database.sql
        for row in try await sql.raw("SELECT id, name FROM accounts").all() {
            let id = try row.decode(column: "id", as: UUID.self)
            let name = try row.decode(column: "name", as: String.self)
            try await sql.raw("UPDATE accounts SET search_text = \(bind: SearchText.fold(name)) WHERE id = \(bind: id)").run()
        }
        for row in try await sql.raw("SELECT id, name, email FROM users").all() {
            let id = try row.decode(column: "id", as: UUID.self)
            let name = try row.decode(column: "name", as: String.self)
            let email = try row.decode(column: "email", as: String.self)
            try await sql.raw("UPDATE users SET search_text = \(bind: SearchText.fold(name, email)) WHERE id = \(bind: id)").run()
        }
    }
    public func revert(on database: any Database) async throws {
        for schema in [AccountRecord.schema, UserRecord.schema] {
            try await database.schema(schema).deleteField("search_text").update()
        }
    }
}
