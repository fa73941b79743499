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
            try await app.autoRevert()
            let sql = try #require(app.db as? any SQLDatabase)
            await #expect(throws: (any Error).self) { try await sql.raw("SELECT COUNT(*) FROM accounts").run() }
            try await app.autoMigrate()
            try await app.signUpClient()
            #expect(try await AccountRecord.query(on: app.db).count() == 1)
        }
    }

    @Test func emailsAreUniqueInTheDatabaseItself() async throws {
        try await TestApp.run { app, clock in
            let registered = try await app.signUpClient(email: "anna@example.com")
            let duplicate = UserRecord(
                accountID: registered.accountID, email: "anna@example.com", name: "Copy", passwordHash: "x",
                isOwner: false, createdAt: clock.now)
            await #expect(throws: (any Error).self) { try await duplicate.create(on: app.db) }
        }
    }
}
