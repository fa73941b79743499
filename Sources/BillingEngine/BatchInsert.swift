import FluentSQL
import Foundation

/// A multi-row INSERT with bound parameters: rows collected in memory, written in as few
/// statements as the databases allow (at most 500 rows and 30 000 parameters a statement, under
/// SQLite's 32 766 and PostgreSQL's 65 535). No model encoding: each value is bound as it is, so
/// it is stored exactly as the Fluent models store it (a UUID, a Date, an enum's raw value).
struct BatchInsert: Sendable {
    let table: String
    let columns: [String]
    private(set) var rows: [[any Encodable & Sendable]] = []

    init(into table: String, columns: [String]) {
        self.table = table
        self.columns = columns
    }

    var isEmpty: Bool { rows.isEmpty }

    mutating func append(_ row: [any Encodable & Sendable]) {
        precondition(row.count == columns.count, "a row of \(table) needs \(columns.count) values")
        rows.append(row)
    }

    func run(on sql: any SQLDatabase) async throws {
        let perStatement = max(1, min(500, 30_000 / max(1, columns.count)))
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let values = rows[start..<min(start + perStatement, rows.count)].map { row -> SQLQueryString in "(\(binds: row))" }
            try await sql.raw(
                "INSERT INTO \(ident: table) (\(idents: columns, joinedBy: ", ")) VALUES \(values.joined(separator: ", "))"
            ).run()
        }
    }
}
