import ArgumentParser
import BillingDomain
import BillingEngine
import BillingServer
import FluentSQL
import Foundation
import Vapor

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daily billing jobs (renewals, expiry, deletion after grace, notices).",
        discussion: "`serve` runs them in-process every minute; use `jobs --once` from cron when serving with BILLING_JOBS=off.")

    @ArgumentParser.Flag(name: .customLong("once"), help: "Run one pass and exit.")
    var once = false

    func run() async throws {
        let config = loadConfig()
        try await withApplication(config) { app in
            let runner = JobRunner(context: app.billingEngine)
            repeat {
                switch try await runner.runDue() {
                case .alreadyDone: print("Today's billing pass is already done.")
                case .leasedElsewhere: print("Another instance is running today's billing pass.")
                case .ran(let summary):
                    print(
                        "Billing pass: renewed \(summary.renewed), resumed \(summary.resumed), expired \(summary.expired), "
                            + "deleted \(summary.deleted), notices \(summary.notices).")
                }
                if !once { try await Task.sleep(for: .seconds(60)) }
            } while !once
        }
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks of the batch work.", subcommands: [BenchRenewals.self])
}

struct BenchRenewals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renewals",
        abstract: "Time one renewal pass over N active services due today, on a fresh database.",
        discussion: "SQLite: a temporary file (WAL, synchronous=FULL). PostgreSQL: DATABASE_URL, in a throwaway schema.")

    @ArgumentParser.Option(name: .customLong("services"), help: "How many services are due.")
    var services = 10_000

    @ArgumentParser.Option(name: .customLong("chunk"), help: "Services per database transaction.")
    var chunk = 500

    func run() async throws {
        var config = loadConfig()
        config.seedDemo = false
        var searchPath: [String]?
        var file: String?
        if case .postgres = config.storage {
            searchPath = ["bench_" + UUID().uuidString.prefix(8).lowercased()]
        } else {
            file = NSTemporaryDirectory() + "billing-bench-\(UUID().uuidString.prefix(8)).sqlite"
            config.storage = .sqliteFile(file!)
        }
        var environment = Environment(name: "production", arguments: ["billing"])
        try LoggingSystem.bootstrap(from: &environment)
        let app = try await Application.make(environment)
        app.logger.logLevel = .warning
        var failed = false
        do {
            try await configure(app, config: config, postgresSearchPath: searchPath)
            let database = searchPath == nil ? "SQLite (file, WAL, synchronous=FULL)" : "PostgreSQL"
            print("bench renewals: \(services) services on \(database), chunk \(chunk)")
            let result = try await RenewalBenchmark(context: app.billingEngine).run(services: services, chunkSize: chunk)
            print(
                String(
                    format: "setup %.1f s; renewal pass %.2f s; %.0f services/s; renewed %d", result.setupSeconds,
                    result.runSeconds, result.servicesPerSecond, result.summary.renewed))
            if result.summary.renewed != services {
                print("bench failed: \(result.summary.renewed) of \(services) services were renewed")
                failed = true
            }
        } catch {
            print("bench failed: \(error)")
            failed = true
        }
        if let schema = searchPath?.first, let sql = app.db as? any SQLDatabase {
            try? await sql.raw(SQLQueryString("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE")).run()
        }
        try await app.asyncShutdown()
        if let file { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
        if failed { throw ExitCode.failure }
    }
}
