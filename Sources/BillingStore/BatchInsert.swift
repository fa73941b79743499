import FluentKit
import FluentSQL
import Foundation

/// A multi-row INSERT with bound parameters: rows collected in memory, written in as few
/// statements as the databases allow (at most 500 rows and 30 000 parameters a statement, under
/// SQLite's 32 766 and PostgreSQL's 65 535). No model encoding: each value is bound as it is, so
/// it is stored exactly as the Fluent models store it (a UUID, a Date, an enum's raw value).
public struct BatchInsert: Sendable {
    public let table: String
    public let columns: [String]
    public private(set) var rows: [[any Encodable & Sendable]] = []

    public init(into table: String, columns: [String]) {
        self.table = table
        self.columns = columns
    }

    public var isEmpty: Bool { rows.isEmpty }

    public mutating func append(_ row: [any Encodable & Sendable]) {
        precondition(row.count == columns.count, "a row of \(table) needs \(columns.count) values")
        rows.append(row)
    }

    public func run(on sql: any SQLDatabase) async throws {
        let perStatement = max(1, min(500, 30_000 / max(1, columns.count)))
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let values = rows[start..<min(start + perStatement, rows.count)].map { row -> SQLQueryString in "(\(binds: row))" }
            try await sql.raw(
                "INSERT INTO \(ident: table) (\(idents: columns, joinedBy: ", ")) VALUES \(values.joined(separator: ", "))"
            ).run()
        }
    }
}

extension BatchInsert {
    /// A batch of records of one table, written by their plain rows (`PlainRecord`).
    public init<Record: PlainRecord>(of type: Record.Type) {
        self.init(into: Record.schema, columns: Record.plainColumns)
    }

    public mutating func append<Record: PlainRecord>(_ record: Record) {
        precondition(Record.schema == table, "a \(Record.self) is no row of \(table)")
        append(record.plainValues)
    }

    public mutating func append<Records: Sequence>(contentsOf records: Records) where Records.Element: PlainRecord {
        for record in records { append(record) }
    }

    /// Writes `records` in as few statements as allowed.
    public static func write<Record: PlainRecord>(_ records: [Record], on sql: any SQLDatabase) async throws {
        var batch = BatchInsert(of: Record.self)
        batch.append(contentsOf: records)
        try await batch.run(on: sql)
    }
}
