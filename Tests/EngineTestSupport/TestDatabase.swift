import BillingStore
import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOPosix

/// A fresh, fully migrated database for one test, copied from a template that is migrated once:
/// a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL (when `DATABASE_URL` points
/// at PostgreSQL). A test used to apply every migration to an empty database; a copy costs a
/// fraction of that (docs/PERFORMANCE.md, "Test suite").
///
/// The template's name carries a fingerprint of `Sources/BillingStore` (migrations, records), so
/// a changed migration makes a new template and an unchanged one is reused by the next run. It is
/// migrated under a temporary name and renamed when complete, so a run that dies half-way never
/// leaves a template others would copy.
public struct TestDatabase: Sendable {
    public enum Location: Sendable {
        /// A SQLite file of this test's own (on `/dev/shm` where the machine has it).
        case sqlite(path: String)
        /// A PostgreSQL database of this test's own, on the server of `DATABASE_URL`.
        case postgres(url: String)
    }

    public let location: Location
    let name: String

    /// `DATABASE_URL` when it points at PostgreSQL.
    public static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else { return nil }
        return url
    }

    /// A new database copied from the template (made first if this is the first test to ask).
    public static func make() async throws -> TestDatabase {
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        if let base = postgresURL {
            let template = try await Templates.shared.postgres(base: base)
            let name = "billing_t_\(suffix)"
            try await Templates.shared.admin(base: base).raw(
                SQLQueryString("CREATE DATABASE \(ident: name) TEMPLATE \(ident: template)")
            ).run()
            return TestDatabase(location: .postgres(url: try Templates.url(base, database: name)), name: name)
        }
        let template = try await Templates.shared.sqlite()
        let path = Templates.folder + "/billing-test-\(suffix).sqlite"
        try FileManager.default.copyItem(atPath: template, toPath: path)
        return TestDatabase(location: .sqlite(path: path), name: path)
    }

    /// Removes the database (after the test closed its connections).
    public func drop() async {
        switch location {
        case .sqlite(let path):
            for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
        case .postgres:
            guard let base = Self.postgresURL else { return }
            try? await Templates.shared.admin(base: base).raw(SQLQueryString("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)"))
                .run()
        }
    }
}

/// The templates of this process, made once each.
actor Templates {
    static let shared = Templates()

    /// Where SQLite files go: memory-backed where the machine has it, so a test's commits cost
    /// what they cost in memory.
    static let folder: String = {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isFolder), isFolder.boolValue { return "/dev/shm" }
        return NSTemporaryDirectory()
    }()

    private var sqliteTemplate: Task<String, any Error>?
    private var postgresTemplate: Task<String, any Error>?
    private var adminDatabases: Databases?

    /// A fingerprint of the storage sources: a changed migration or record means a new template.
    static let fingerprint: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/BillingStore")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        let files = (FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".swift") }.sorted()
        for file in files {
            mix(Array(file.utf8))
            mix((try? Data(contentsOf: root.appendingPathComponent(file))) ?? Data())
        }
        return String(hash, radix: 16)
    }()

    static var quietLogger: Logger {
        var logger = Logger(label: "billing.test-template")
        logger.logLevel = .warning
        return logger
    }

    static func url(_ base: String, database: String) throws -> String {
        guard var components = URLComponents(string: base) else { throw TemplateError("DATABASE_URL is not a URL: \(base)") }
        components.path = "/" + database
        guard let url = components.string else { throw TemplateError("cannot point \(base) at \(database)") }
        return url
    }

    func sqlite() async throws -> String {
        if let made = sqliteTemplate { return try await made.value }
        let task = Task { try await Self.makeSQLiteTemplate() }
        sqliteTemplate = task
        return try await task.value
    }

    func postgres(base: String) async throws -> String {
        if let made = postgresTemplate { return try await made.value }
        let admin = try admin(base: base)
        let task = Task { try await Self.makePostgresTemplate(base: base, admin: admin) }
        postgresTemplate = task
        return try await task.value
    }

    /// A connection pool to the database of `DATABASE_URL`, for creating and dropping databases.
    func admin(base: String) throws -> any SQLDatabase {
        let databases: Databases
        if let existing = adminDatabases {
            databases = existing
        } else {
            databases = Databases(threadPool: .singleton, on: MultiThreadedEventLoopGroup.singleton)
            databases.use(
                .postgres(
                    configuration: try SQLPostgresConfiguration(url: base), maxConnectionsPerEventLoop: 2,
                    // Every test of a run asks for its database at once; they wait their turn.
                    connectionPoolTimeout: .seconds(600)), as: .psql)
            adminDatabases = databases
        }
        guard let sql = databases.database(logger: Self.quietLogger, on: MultiThreadedEventLoopGroup.singleton.any()) as? any SQLDatabase
        else { throw TemplateError("the PostgreSQL driver gave no SQL database") }
        return sql
    }

    private static func makeSQLiteTemplate() async throws -> String {
        let final = folder + "/billing-test-template-\(fingerprint).sqlite"
        removeStaleFiles()
        if FileManager.default.fileExists(atPath: final) { return final }
        let partial = final + ".\(UUID().uuidString).partial"
        try await migrate { $0.use(.sqlite(.file(partial)), as: .sqlite) }
        do {
            try FileManager.default.moveItem(atPath: partial, toPath: final)
        } catch {
            // Another process finished the same template first: use theirs.
            try? FileManager.default.removeItem(atPath: partial)
            guard FileManager.default.fileExists(atPath: final) else { throw error }
        }
        return final
    }

    /// Test databases of runs that were killed, and templates of older sources, once a day old:
    /// a run beside this one (another checkout) may still be using younger ones.
    private static func removeStaleFiles() {
        let dayAgo = Date().addingTimeInterval(-86_400)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix("billing-test-") {
            let path = folder + "/" + name
            let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
            if let modified, modified < dayAgo { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    private static func makePostgresTemplate(base: String, admin: any SQLDatabase) async throws -> String {
        let final = "billing_tpl_\(fingerprint)"
        func exists(_ name: String) async throws -> Bool {
            try await admin.raw("SELECT 1 AS found FROM pg_database WHERE datname = \(bind: name)").first() != nil
        }
        if try await exists(final) { return final }
        let partial = final + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8)
        try await admin.raw(SQLQueryString("CREATE DATABASE \(ident: partial)")).run()
        let url = try url(base, database: partial)
        try await migrate { $0.use(.postgres(configuration: try SQLPostgresConfiguration(url: url)), as: .psql) }
        do {
            try await admin.raw(SQLQueryString("ALTER DATABASE \(ident: partial) RENAME TO \(ident: final)")).run()
        } catch {
            try? await admin.raw(SQLQueryString("DROP DATABASE IF EXISTS \(ident: partial) WITH (FORCE)")).run()
            guard try await exists(final) else { throw error }
        }
        return final
    }

    /// Applies every migration to the database `use` configures, as `billing serve` does at start.
    private static func migrate(_ use: (Databases) throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let databases = Databases(threadPool: .singleton, on: group)
        try use(databases)
        // The same model middlewares as the application, in case a migration saves a record.
        databases.middleware.use(UserSearchTextMiddleware())
        databases.middleware.use(AccountSearchTextMiddleware())
        let migrations = Migrations()
        migrations.add(BillingMigrations.all)
        let migrator = Migrator(databases: databases, migrations: migrations, logger: quietLogger, on: group.any())
        do {
            try await migrator.setupIfNeeded().flatMap { migrator.prepareBatch() }.get()
        } catch {
            await databases.shutdownAsync()
            throw error
        }
        await databases.shutdownAsync()
    }
}

struct TemplateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
