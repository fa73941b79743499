import ArgumentParser
import BillingDomain
import BillingEngine
import BillingServer
import Foundation
import Vapor

/// The `billing` executable: a thin shell over `BillingServer`.
@main
struct BillingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billing",
        abstract: "The hosting provider's billing platform and client area.",
        discussion: "Configuration comes from environment variables; see README.md.",
        subcommands: [Serve.self, Migrate.self, Demo.self, Jobs.self, Bench.self],
        defaultSubcommand: Serve.self)
}

/// Reads the configuration or stops with a message naming the bad variable.
func loadConfig() -> AppConfig {
    do {
        return try AppConfig.fromEnvironment()
    } catch {
        FileHandle.standardError.write(Data("billing: configuration error: \(error)\n".utf8))
        Foundation.exit(2)
    }
}

/// Runs `body` with a configured application and shuts it down afterwards, whatever happens.
func withApplication(_ config: AppConfig, migrate: Bool = true, _ body: (Application) async throws -> Void) async throws {
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

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrate the database, create demo data on an empty one, and serve HTTP.")

    func run() async throws {
        let config = loadConfig()
        try await withApplication(config) { app in
            let demo = DemoProvider(context: app.billingEngine)
            if !config.developmentMode, try await demo.demoStaffPasswordWorks() {
                FileHandle.standardError.write(
                    Data(
                        """
                        billing: refusing to start in production: the demo staff login \(DemoProvider.staffEmail) still has \
                        its published password. Change it or disable that member first.\n
                        """.utf8))
                Foundation.exit(2)
            }
            if config.seedDemo { try await demo.seedIfEmpty() }
            print("Billing is running at \(config.baseURL)/  (staff area: \(config.baseURL)/admin)")
            if config.seedDemo, let logins = try await demo.workingLogins() {
                print("demo client: \(logins.clientEmail) \(logins.clientPassword)")
                print("demo staff: \(logins.staffEmail) \(logins.staffPassword)")
            }
            app.startBackgroundWork()
            try await app.execute()
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations (or revert the last batch) and exit.")

    @ArgumentParser.Flag(name: .customLong("revert-last-batch"), help: "Revert the most recent batch of migrations instead.")
    var revertLastBatch = false

    func run() async throws {
        let config = loadConfig()
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
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the demo provider (a staff user and a client with a balance) on an empty database.")

    func run() async throws {
        let config = loadConfig()
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
}
