import BillingDemo
import BillingDomain
import BillingEngine
import BillingStore
import Fluent
import FluentSQL
import Foundation
import Vapor

/// What the `billing` executable runs. The executable only parses its arguments and calls these,
/// so everything that touches the application, the engine or the database lives here, where the
/// tests can reach it.
public enum BillingCommands {
    /// A command that ends with a message already written to standard error and an exit status.
    public struct Stop: Error {
        public let status: Int32
    }

    /// Reads the configuration, or writes every bad variable to standard error and stops.
    public static func loadConfig() throws -> AppConfig {
        do {
            return try AppConfig.fromEnvironment()
        } catch {
            fail("configuration error: \(error)")
            throw Stop(status: 2)
        }
    }

    /// Migrates, refuses production with the published demo password, seeds the demo provider when
    /// asked, prints where it runs and the demo logins, and serves HTTP with the background work.
    public static func serve() async throws {
        let config = try loadConfig()
        try await withApplication(config) { app in
            let demo = DemoProvider(context: app.billingEngine)
            if !config.developmentMode {
                // Refused in production: a login printed in the README, or nobody to run it.
                let published = try await demo.publishedLoginsThatWork()
                if !published.isEmpty {
                    fail(
                        "refusing to start in production: \(published.joined(separator: " and ")) still "
                            + "\(published.count == 1 ? "has its" : "have their") published password. Change it or disable it first.")
                    throw Stop(status: 2)
                }
                if try await !StaffAccounts(context: app.billingEngine).hasAdministrator() {
                    fail(
                        "refusing to start in production: there is no administrator. Create the first with "
                            + "`billing staff create --email you@example.com --name \"Your Name\"` (it asks for the password).")
                    throw Stop(status: 2)
                }
            }
            if config.seedDemo { try await demo.seedIfEmpty() }
            print("Billing is running at \(config.baseURL)/  (staff area: \(config.baseURL)/admin)")
            if config.seedDemo, let logins = try await demo.workingLogins() {
                print("demo client: \(logins.clientEmail) \(logins.clientPassword)")
                print("demo staff: \(logins.staffEmail) \(logins.staffPassword)")
            }
            if config.mailChannel == nil, config.smtp == nil, let folder = config.mailDirectory {
                // Where a developer reads the sign-up and reset links: the mail folder, not a page.
                print("mail (no SMTP_URL): \(URL(fileURLWithPath: folder).appendingPathComponent("new").path)")
            }
            app.startBackgroundWork()
            try await app.execute()
        }
    }

    /// Creates a member of staff (the first administrator of a new installation): the password is
    /// read from standard input (typed without echo at a terminal, or piped), never from an
    /// argument, so it stays out of the shell's history and the process list.
    public static func staffCreate(email: String, name: String, role: String) async throws {
        let config = try loadConfig()
        guard let role = StaffRole(rawValue: role) else {
            fail("--role must be one of " + StaffRole.allCases.map(\.rawValue).joined(separator: ", "))
            throw Stop(status: 2)
        }
        let password: String
        if isatty(STDIN_FILENO) == 1 {
            guard let typed = getpass("Password for \(email): ").map({ String(cString: $0) }), !typed.isEmpty else {
                fail("no password was typed")
                throw Stop(status: 2)
            }
            password = typed
        } else {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                fail("give the password on standard input, e.g. `printf '%s' \"$PASSWORD\" | billing staff create …`")
                throw Stop(status: 2)
            }
            password = line
        }
        try await withApplication(config) { app in
            do {
                try await StaffAccounts(context: app.billingEngine).create(email: email, name: name, password: password, role: role)
            } catch let refusal as StaffAccountError {
                fail("cannot create \(email): " + Localizer.shared.message(refusal, .en, currency: config.defaultCurrency))
                throw Stop(status: 1)
            }
            print("Created \(role.rawValue) \(email); they log in at \(config.baseURL)/admin/login.")
        }
    }

    /// Applies pending migrations, or reverts the most recent batch.
    public static func migrate(revertLastBatch: Bool) async throws {
        let config = try loadConfig()
        try await withApplication(config, migrate: !revertLastBatch) { app in
            if revertLastBatch {
                try await app.migrator.setupIfNeeded().get()
                try await app.migrator.revertLastBatch().get()
                print("Reverted the last batch of migrations.")
            } else {
                print("The database is up to date.")
            }
        }
    }

    /// Creates the demo provider on an empty database and prints the logins that work; with
    /// `scale`, also that many client accounts with half a year of history (`ScaleDemo`), with a
    /// progress line on standard error.
    public static func demo(scale: Int? = nil) async throws {
        let config = try loadConfig()
        if let scale {
            guard scale > 0 else {
                fail("--scale needs a positive number of accounts")
                throw Stop(status: 2)
            }
            try await withApplication(config) { app in
                app.logger.logLevel = .warning
                do {
                    try await ScaleDemo(context: app.billingEngine).fill(accounts: scale) { progress in
                        let line =
                            "\r\(progress.done) / \(progress.total) accounts · \(progress.perSecond) a second · "
                            + "about \(progress.secondsLeft) s left   "
                        FileHandle.standardError.write(Data(line.utf8))
                    }
                } catch let failure as ScaleDemo.Failure {
                    fail(failure.description)
                    throw Stop(status: 1)
                }
                FileHandle.standardError.write(Data("\n".utf8))
                print(
                    "Created the demo provider and \(scale) client accounts (log in as client1@scale.example … with \(ScaleDemo.scaleDemoPassword))."
                )
                if let logins = try await DemoProvider(context: app.billingEngine).workingLogins() {
                    print("demo client: \(logins.clientEmail) \(logins.clientPassword)")
                    print("demo staff: \(logins.staffEmail) \(logins.staffPassword)")
                }
            }
            return
        }
        try await withApplication(config) { app in
            let demo = DemoProvider(context: app.billingEngine)
            if try await demo.seedIfEmpty() {
                print("Created the demo provider.")
            } else {
                print("The database already has accounts or staff; nothing was created.")
            }
            if let logins = try await demo.workingLogins() {
                print("demo client: \(logins.clientEmail) \(logins.clientPassword)")
                print("demo staff: \(logins.staffEmail) \(logins.staffPassword)")
            }
        }
    }

    /// A worker of the job queue alone, beside servers started with `BILLING_JOBS=off`: runs due
    /// jobs every second until stopped (several may run on one PostgreSQL; each job runs once).
    public static func jobsWork() async throws {
        let config = try loadConfig()
        try await withApplication(config) { app in
            let worker = JobWorker(context: app.billingEngine)
            print("Job worker \(worker.owner) is running; stop it with Ctrl-C.")
            await worker.run(every: .seconds(1))
        }
    }

    /// The daily billing pass from cron: once, or every minute until stopped; each time followed
    /// by the jobs that are due (the ones the pass queued among them).
    public static func jobs(once: Bool) async throws {
        let config = try loadConfig()
        try await withApplication(config) { app in
            let runner = JobRunner(context: app.billingEngine)
            let worker = JobWorker(context: app.billingEngine)
            repeat {
                switch try await runner.runDue() {
                case .alreadyDone: print("Today's billing pass is already done.")
                case .leasedElsewhere: print("Another instance is running today's billing pass.")
                case .ran(let summary):
                    print(
                        "Billing pass: renewed \(summary.renewed), resumed \(summary.resumed), expired \(summary.expired), "
                            + "deleted \(summary.deleted), notices \(summary.notices).")
                }
                try await ServiceTraffic(context: app.billingEngine).schedule()
                let round = try await worker.drain()
                print("Jobs: \(round.done) done, \(round.retried) to retry, \(round.failed) failed, \(round.polled) polled.")
                if !once { try await Task.sleep(for: .seconds(60)) }
            } while !once
        }
    }

    /// Proves every kept client balance equal to the sum of the client's ledger entries; prints
    /// each difference and stops with status 1 when there is one.
    public static func ledgerCheck() async throws {
        let config = try loadConfig()
        var mismatches: [Ledger.BalanceMismatch] = []
        try await withApplication(config) { app in
            mismatches = try await app.billingEngine.ledger.balanceMismatches()
        }
        guard mismatches.isEmpty else {
            for mismatch in mismatches { print("mismatch: \(mismatch)") }
            fail("\(mismatches.count) client balance(s) differ from the sum of their ledger entries")
            throw Stop(status: 1)
        }
        print("Every client balance equals the sum of its ledger entries.")
    }

    /// One renewal pass over `services` due services beside its raw ceiling (`RenewalBenchmark`),
    /// each on a fresh database of the same kind: a temporary SQLite file, or a throwaway schema
    /// when `DATABASE_URL` names PostgreSQL. Prints both rates and their ratio (as JSON with
    /// `json`); throws `Stop` when the pass did not renew every service.
    public static func benchRenewals(services: Int, chunk: Int, json: Bool = false) async throws {
        let config = try loadConfig()
        var environment = Environment(name: "production", arguments: ["billing"])
        try LoggingSystem.bootstrap(from: &environment)
        let postgres: Bool
        if case .postgres = config.storage { postgres = true } else { postgres = false }
        let database = postgres ? "PostgreSQL" : "SQLite (file, WAL, synchronous=FULL)"
        if !json { print("bench renewals: \(services) services on \(database), chunk \(chunk)") }
        do {
            let ceiling = try await onFreshDatabase(config, environment: environment) { app in
                try await RenewalBenchmark(context: app.billingEngine).ceiling(services: services, chunkSize: chunk)
            }
            let result = try await onFreshDatabase(config, environment: environment) { app in
                try await RenewalBenchmark(context: app.billingEngine).run(services: services, chunkSize: chunk)
            }
            let ceilingRate = Double(services) / max(ceiling, 0.000_001)
            let ratio = result.servicesPerSecond / ceilingRate
            if json {
                let figures: [String: any Sendable] = [
                    "database": postgres ? "postgresql" : "sqlite", "services": services, "chunk": chunk,
                    "setup_seconds": result.setupSeconds, "engine_seconds": result.runSeconds,
                    "engine_services_per_second": result.servicesPerSecond.rounded(), "ceiling_seconds": ceiling,
                    "ceiling_services_per_second": ceilingRate.rounded(), "ratio": (ratio * 1000).rounded() / 1000,
                    "renewed": result.summary.renewed
                ]
                let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(
                    String(
                        format: "setup %.1f s; engine: renewal pass %.2f s, %.0f services/s, renewed %d", result.setupSeconds,
                        result.runSeconds, result.servicesPerSecond, result.summary.renewed))
                print(String(format: "ceiling: the same rows by plain SQL %.2f s, %.0f services/s", ceiling, ceilingRate))
                print(String(format: "engine / ceiling: %.0f %%", ratio * 100))
            }
            if result.summary.renewed != services {
                fail("bench failed: \(result.summary.renewed) of \(services) services were renewed")
                throw Stop(status: 1)
            }
        } catch let stop as Stop {
            throw stop
        } catch {
            fail("bench failed: \(error)")
            throw Stop(status: 1)
        }
    }

    /// Runs `body` on a fresh database of the configured kind (a temporary SQLite file, or a new
    /// PostgreSQL schema), removed afterwards.
    private static func onFreshDatabase<T: Sendable>(
        _ base: AppConfig, environment: Environment, _ body: (Application) async throws -> T
    ) async throws -> T {
        var config = base
        config.seedDemo = false
        var searchPath: [String]?
        var file: String?
        if case .postgres = config.storage {
            searchPath = ["bench_" + UUID().uuidString.prefix(8).lowercased()]
        } else {
            let path = NSTemporaryDirectory() + "billing-bench-\(UUID().uuidString.prefix(8)).sqlite"
            file = path
            config.storage = .sqliteFile(path)
        }
        let app = try await Application.make(environment)
        app.logger.logLevel = .warning
        let outcome: Result<T, any Error>
        do {
            try await configure(app, config: config, postgresSearchPath: searchPath)
            outcome = .success(try await body(app))
        } catch {
            outcome = .failure(error)
        }
        if let schema = searchPath?.first {
            try? await app.db.sql.raw(SQLQueryString("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE")).run()
        }
        try await app.asyncShutdown()
        if let file { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
        return try outcome.get()
    }

    /// Runs `body` with a configured application and shuts it down afterwards, whatever happens.
    static func withApplication(_ config: AppConfig, migrate: Bool = true, _ body: (Application) async throws -> Void) async throws {
        var environment = Environment(name: config.developmentMode ? "development" : "production", arguments: ["billing"])
        try LoggingSystem.bootstrap(from: &environment)
        let app = try await Application.make(environment)
        do {
            try await configure(app, config: config, migrate: migrate)
            try await body(app)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    private static func fail(_ message: String) {
        FileHandle.standardError.write(Data("billing: \(message)\n".utf8))
    }
}
