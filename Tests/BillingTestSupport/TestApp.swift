import BillingDomain
import BillingEngine
import BillingServer
@_exported import EngineTestSupport
import Fluent
import Foundation
import Vapor

/// Runs a test against a fully configured application on a fresh database of its own (SQLite by
/// default, PostgreSQL when `DATABASE_URL` points at it, so the same tests prove both databases),
/// copied from a migrated template and dropped afterwards.
public enum TestApp {
    /// 2026-01-15 09:00 UTC: a fixed start so dates in assertions are exact.
    public static let start = TestEngine.start

    public static var postgresURL: String? { TestDatabase.postgresURL }

    public static var databaseName: String { postgresURL == nil ? "sqlite" : "postgres" }

    public static func run(
        clock: TestClock = TestClock(TestApp.start),
        adjust: (inout AppConfig) -> Void = { _ in },
        logger: Logger? = nil,
        _ body: (Application, TestClock) async throws -> Void
    ) async throws {
        // A database of the test's own, copied from the migrated template (`TestDatabase`).
        let database = try await TestDatabase.make()
        var config = AppConfig()
        config.bcryptCost = 4
        config.seedDemo = false
        config.timeZone = TimeZone(identifier: "Europe/Kyiv")!
        config.baseURL = "http://billing.test"
        switch database.location {
        case .sqlite(let path): config.storage = .sqliteFile(path)
        case .postgres(let url): config.storage = .postgres(url: url)
        }
        // What the jobs send is kept in memory (`app.sentMail`); a test of SMTP sets `smtp` and
        // clears this.
        config.mailChannel = CapturingMailChannel()
        adjust(&config)
        let app = try await Application.make(.testing)
        // The database's logger is the application's at configuration: a test that reads what
        // the drivers log (the statements they send) hands its logger in here.
        if let logger { app.logger = logger }
        var failure: (any Error)?
        do {
            try await configure(app, config: config, clock: clock)
            try await body(app, clock)
            // Every test ends with each kept client balance equal to the sum of its ledger
            // entries, whatever paths it took (the check is skipped where a test dropped the tables).
            if let mismatches = try? await app.billingEngine.ledger.balanceMismatches(), !mismatches.isEmpty {
                throw LedgerDrift(mismatches: mismatches)
            }
        } catch {
            failure = error
        }
        try await app.asyncShutdown()
        await database.drop()
        if let failure { throw failure }
    }
}

extension Application: TestPlatform {
    /// The engine context, shorter for tests.
    public var engine: EngineContext { billingEngine }
}
