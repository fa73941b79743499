import ArgumentParser
import BillingServer

/// The `billing` executable: it parses arguments and calls `BillingCommands`; everything else lives
/// in BillingServer.
@main
struct BillingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "billing",
        abstract: "The hosting provider's billing platform and client area.",
        discussion: "Configuration comes from environment variables; see README.md.",
        subcommands: [Serve.self, Migrate.self, Demo.self, Staff.self, Jobs.self, LedgerCommand.self, Bench.self],
        defaultSubcommand: Serve.self)
}

/// Runs a command; a `Stop` (its message already written) becomes the process's exit status.
private func running(_ command: () async throws -> Void) async throws {
    do {
        try await command()
    } catch let stop as BillingCommands.Stop {
        throw ExitCode(stop.status)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Migrate the database, create demo data on an empty one, and serve HTTP.")

    func run() async throws { try await running { try await BillingCommands.serve() } }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations (or revert the last batch) and exit.")

    @Flag(name: .customLong("revert-last-batch"), help: "Revert the most recent batch of migrations instead.")
    var revertLastBatch = false

    func run() async throws { try await running { try await BillingCommands.migrate(revertLastBatch: revertLastBatch) } }
}

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the demo provider (a staff user and a client with a balance) on an empty database.")

    @Option(name: .customLong("scale"), help: "Also create this many client accounts with half a year of history.")
    var scale: Int?

    func run() async throws { try await running { try await BillingCommands.demo(scale: scale) } }
}

struct Staff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Members of the provider's staff.", subcommands: [StaffCreate.self])
}

struct StaffCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a member of staff (the first administrator of a new installation).",
        discussion: "The password is read from standard input: typed without echo at a terminal, or piped.")

    @Option(name: .customLong("email"), help: "Their login e-mail.")
    var email: String

    @Option(name: .customLong("name"), help: "Their name, as colleagues and the history see it.")
    var name: String

    @Option(name: .customLong("role"), help: "administrator, support or accountant.")
    var role = "administrator"

    func run() async throws { try await running { try await BillingCommands.staffCreate(email: email, name: name, role: role) } }
}

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daily billing jobs (renewals, expiry, deletion after grace, notices), then the queued jobs.",
        discussion:
            "`serve` runs them in-process; use `jobs --once` from cron and `jobs work` for the queue when serving with BILLING_JOBS=off.",
        subcommands: [JobsWork.self])

    @Flag(name: .customLong("once"), help: "Run one pass and exit.")
    var once = false

    func run() async throws { try await running { try await BillingCommands.jobs(once: once) } }
}

struct JobsWork: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work",
        abstract: "Run a worker of the job queue alone (provisioning and the rest) until stopped; several may share one PostgreSQL.")

    func run() async throws { try await running { try await BillingCommands.jobsWork() } }
}

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "Checks of the ledger.", subcommands: [LedgerCheck.self])
}

struct LedgerCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Prove every client balance equal to the sum of its ledger entries (exit 1 and list them if not).")

    func run() async throws { try await running { try await BillingCommands.ledgerCheck() } }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks of the batch work.", subcommands: [BenchRenewals.self])
}

struct BenchRenewals: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renewals",
        abstract: "Time one renewal pass over N active services due today beside the raw ceiling of the same writes.",
        discussion:
            "Each on a fresh database. SQLite: a temporary file (WAL, synchronous=FULL). PostgreSQL: DATABASE_URL, in a throwaway schema.")

    @Option(name: .customLong("services"), help: "How many services are due.")
    var services = 10_000

    @Option(name: .customLong("chunk"), help: "Services per database transaction.")
    var chunk = 500

    @Flag(name: .customLong("json"), help: "Print the figures as one JSON object.")
    var json = false

    func run() async throws {
        try await running { try await BillingCommands.benchRenewals(services: services, chunk: chunk, json: json) }
    }
}
