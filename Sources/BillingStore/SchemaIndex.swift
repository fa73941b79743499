import FluentKit
import FluentSQL

/// Indexes by name through SQLKit: plain indexes, which Fluent's schema builder does not express,
/// and unique ones added to an existing table (SQLite cannot add a constraint with ALTER TABLE).
enum SchemaIndex {
    static func create(
        _ name: String, on table: String, columns: [String], unique: Bool = false,
        in database: any Database
    ) async throws {
        let sql = database.sql
        var builder = sql.create(index: name)
        if unique { builder = builder.unique() }
        builder = builder.on(table)
        for column in columns { builder = builder.column(column) }
        try await builder.run()
    }

    static func drop(_ name: String, in database: any Database) async throws {
        let sql = database.sql
        try await sql.drop(index: name).run()
    }
}
