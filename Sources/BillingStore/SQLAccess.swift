import FluentKit
import FluentSQL

extension Database {
    /// The SQL side of this database handle (a transaction included). Both drivers the platform
    /// runs on (SQLite, PostgreSQL) are SQL databases; `EngineContext` checks it once at start-up,
    /// so a lock or a set-based update can never be skipped silently by a failed cast.
    public var sql: any SQLDatabase {
        guard let sql = self as? any SQLDatabase else {
            preconditionFailure("the billing platform runs on SQL databases only (SQLite, PostgreSQL)")
        }
        return sql
    }

    /// PostgreSQL (else SQLite): for `FOR UPDATE SKIP LOCKED` and case-insensitive `ILIKE`.
    public var isPostgreSQL: Bool { sql.dialect.name == "postgresql" }
}

extension Error {
    /// A unique index (or another constraint) refused the write: a concurrent writer got there
    /// first. Recognised from the database's own error, never by catching anything and re-reading.
    public var isConstraintViolation: Bool {
        (self as? any DatabaseError)?.isConstraintFailure == true
    }
}
