import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import Fluent
import FluentSQL
import Testing

@Suite("Migrations")
struct MigrationTests {
    /// Every migration reverts cleanly and applies again: the schema can be rolled back in production.
    @Test func everyMigrationRevertsAndReapplies() async throws {
        try await TestApp.run { app, _ in
            try await app.signUpClient()
            #expect(try await Self.tableExists("accounts", app.db))
            try await app.autoRevert()
            // Reverted means gone: the catalog of tables no longer lists it (not merely "some query failed").
            #expect(try await Self.tableExists("accounts", app.db) == false)
            #expect(try await Self.tableExists("ledger_entries", app.db) == false)
            try await app.autoMigrate()
            #expect(try await Self.tableExists("accounts", app.db))
            try await app.signUpClient()
            #expect(try await AccountRecord.query(on: app.db).count() == 1)
        }
    }

    /// The kept balances start from the entries already posted: on a database that has a ledger
    /// before `CreateClientBalances`, the migration fills each client's balance per currency.
    @Test func keptBalancesAreFilledFromTheEntriesAlreadyPosted() async throws {
        try await TestApp.run { app, _ in
            let client = try await app.signUpClient()
            for (index, minor) in [12_345, -2_345, 990].enumerated() {
                try await app.engine.ledger.post(
                    try .credit(
                        client: client.accountID, amount: Money(minor: Int64(minor), .EUR), from: .staffAdjustments,
                        kind: .staffAdjustment, memo: "", idempotencyKey: "m\(index)"), actor: .testSetUp)
            }
            try await app.engine.ledger.post(
                try .credit(
                    client: client.accountID, amount: Money(minor: 500, .RUB), from: .staffAdjustments,
                    kind: .staffAdjustment, memo: "", idempotencyKey: "rub"), actor: .testSetUp)
            try await CreateClientBalances().revert(on: app.db)
            #expect(try await Self.tableExists("client_balances", app.db) == false)
            try await CreateClientBalances().prepare(on: app.db)
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == Money(minor: 10_990, .EUR))
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .RUB) == Money(minor: 500, .RUB))
            #expect(try await app.engine.ledger.balanceMismatches() == [])
        }
    }

    static func tableExists(_ table: String, _ db: any Database) async throws -> Bool {
        let query: SQLQueryString =
            db.isPostgreSQL
            ? "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = \(bind: table)"
            : "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = \(bind: table)"
        return try await db.sql.raw(query).first()?.decode(column: "n", as: Int.self) == 1
    }

    @Test func emailsAreUniqueInTheDatabaseItself() async throws {
        try await TestApp.run { app, clock in
            let registered = try await app.signUpClient(email: "anna@example.com")
            let duplicate = UserRecord(
                accountID: registered.accountID, email: "anna@example.com", name: "Copy", passwordHash: "x",
                isOwner: false, createdAt: clock.now)
            let refusal = await #expect(throws: (any Error).self) { try await duplicate.create(on: app.db) }
            // The unique index said no, not something else.
            #expect(refusal?.isConstraintViolation == true)
        }
    }
}
