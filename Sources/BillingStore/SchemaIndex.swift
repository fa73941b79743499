import FluentKit
import FluentSQL

/// Plain (non-unique) indexes, which Fluent's schema builder does not express.
enum SchemaIndex {
    static func create(_ name: String, on table: String, columns: [String], in database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        var builder = sql.create(index: name).on(table)
        for column in columns { builder = builder.column(column) }
        try await builder.run()
    }
}
