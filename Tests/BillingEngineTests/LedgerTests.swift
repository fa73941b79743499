import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import FluentSQL
import Foundation
import Testing

@Suite("Ledger on the database")
struct LedgerTests {
    @Test func postingIsIdempotentAndBalancesAreSumsOfEntries() async throws {
        try await TestEngine.run { app, _ in
            let client = try await app.signUpClient()
            let ledger = app.engine.ledger
            let posting = try LedgerPosting.credit(
                client: client.accountID, amount: Money(minor: 12_345, .EUR),
                from: .gatewayClearing("sandbox"), kind: .payment, memo: "Top-up",
                idempotencyKey: "payment:1")
            let first = try await ledger.post(posting, actor: .system(job: nil))
            let second = try await ledger.post(posting, actor: .system(job: nil))
            #expect(!first.isReplay)
            #expect(second.isReplay)
            #expect(second.transactionID == first.transactionID)
            #expect(try await ledger.balance(of: client.accountID, in: .EUR) == Money(minor: 12_345, .EUR))
            #expect(try await ledger.total(of: .gatewayClearing("sandbox"), in: .EUR) == Money(minor: -12_345, .EUR))
            #expect(try await LedgerTransactionRecord.query(on: app.db).count() == 1)
            #expect(try await LedgerEntryRecord.query(on: app.db).count() == 2)
        }
    }

    @Test func reusingAKeyForOtherLinesIsRefused() async throws {
        try await TestEngine.run { app, _ in
            let client = try await app.signUpClient()
            let ledger = app.engine.ledger
            try await ledger.post(
                try .credit(
                    client: client.accountID, amount: Money(minor: 100, .EUR), from: .revenue,
                    kind: .payment, memo: "", idempotencyKey: "same"), actor: .system(job: nil))
            await #expect(throws: Ledger.Failure.idempotencyKeyReused("same")) {
                try await ledger.post(
                    try .credit(
                        client: client.accountID, amount: Money(minor: 200, .EUR), from: .revenue,
                        kind: .payment, memo: "", idempotencyKey: "same"), actor: .system(job: nil))
            }
            #expect(try await ledger.balance(of: client.accountID, in: .EUR) == Money(minor: 100, .EUR))
        }
    }

    @Test func theDatabaseRefusesToEditOrDeletePostedEntries() async throws {
        try await TestEngine.run { app, _ in
            let client = try await app.signUpClient()
            try await app.engine.ledger.post(
                try .credit(
                    client: client.accountID, amount: Money(minor: 500, .EUR), from: .openingBalances,
                    kind: .openingBalance, memo: "", idempotencyKey: "open"), actor: .system(job: nil))
            let sql = app.db.sql
            for statement: SQLQueryString in [
                "UPDATE ledger_entries SET amount = 0", "DELETE FROM ledger_entries", "DELETE FROM ledger_transactions"
            ] {
                let refusal = await #expect(throws: (any Error).self) { try await sql.raw(statement).run() }
                // Refused by the append-only trigger, not by anything else.
                #expect(refusal.map { String(reflecting: $0).contains("append-only") } == true, "\(String(reflecting: refusal))")
            }
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == Money(minor: 500, .EUR))
        }
    }

    @Test func concurrentPostingsOfOneKeyCreditOnce() async throws {
        try await TestEngine.run { app, _ in
            let client = try await app.signUpClient()
            let ledger = app.engine.ledger
            let posting = try LedgerPosting.credit(
                client: client.accountID, amount: Money(minor: 10_000, .EUR),
                from: .gatewayClearing("sandbox"), kind: .payment, memo: "", idempotencyKey: "race")
            let outcomes = try await withThrowingTaskGroup(of: Ledger.Posted.self) { group in
                for _ in 0..<20 { group.addTask { try await ledger.post(posting, actor: .system(job: nil)) } }
                return try await group.reduce(into: [Ledger.Posted]()) { $0.append($1) }
            }
            #expect(outcomes.count == 20)
            #expect(outcomes.filter { !$0.isReplay }.count == 1)
            #expect(Set(outcomes.map(\.transactionID)).count == 1)
            #expect(try await ledger.balance(of: client.accountID, in: .EUR) == Money(minor: 10_000, .EUR))
        }
    }

    /// Random postings between two clients and the house accounts: each client's balance equals
    /// the sum of its own entries, and the whole ledger sums to zero.
    @Test func randomPostingsKeepEveryBalanceEqualToItsEntries() async throws {
        try await TestEngine.run { app, _ in
            let a = try await app.signUpClient(email: "a@example.com")
            let b = try await app.signUpClient(email: "b@example.com")
            var generator = SeededGenerator(seed: 20_261_121)
            var expected: [UUID: Int64] = [a.accountID: 0, b.accountID: 0]
            let house: [LedgerAccount] = [.revenue, .taxPayable, .gatewayClearing("sandbox"), .staffAdjustments]
            for index in 0..<120 {
                let clientID = Bool.random(using: &generator) ? a.accountID : b.accountID
                let units = Int64.random(in: -50_000_000...50_000_000, using: &generator) | 1
                let other = house.randomElement(using: &generator)!
                var lines = [
                    LedgerLine(.clientBalance(clientID), Money(units: units, currency: .EUR)),
                    LedgerLine(other, Money(units: -units, currency: .EUR))
                ]
                if index % 7 == 0 { // a three-way split now and then
                    let part = units / 3
                    lines = [
                        LedgerLine(.clientBalance(clientID), Money(units: units, currency: .EUR)),
                        LedgerLine(.revenue, Money(units: -(units - part), currency: .EUR)),
                        LedgerLine(.taxPayable, Money(units: -part, currency: .EUR))
                    ]
                }
                try await app.engine.ledger.post(
                    try LedgerPosting(idempotencyKey: "random:\(index)", kind: .charge, memo: "", lines: lines),
                    actor: .testSetUp)
                expected[clientID, default: 0] += units
            }
            for (clientID, units) in expected {
                #expect(try await app.engine.ledger.balance(of: clientID, in: .EUR) == Money(units: units, currency: .EUR))
                let entries = try await LedgerEntryRecord.query(on: app.db).filter(\.$clientAccountID == clientID).all(\.$amount)
                #expect(entries.reduce(0, +) == units)
            }
            let all = try await LedgerEntryRecord.query(on: app.db).all(\.$amount)
            #expect(all.reduce(0, +) == 0)
            #expect(try await app.engine.ledger.balanceMismatches() == [])
        }
    }

    /// The kept balance (`client_balances`) is what the ledger check proves: a balance changed
    /// behind the ledger's back is reported with both figures, and one with no entries at all too.
    @Test func theLedgerCheckFindsAKeptBalanceThatDriftedFromTheEntries() async throws {
        try await TestEngine.run { app, _ in
            let a = try await app.signUpClient(email: "a@example.com")
            let b = try await app.signUpClient(email: "b@example.com")
            let ledger = app.engine.ledger
            try await ledger.post(
                try .credit(
                    client: a.accountID, amount: Money(minor: 5_000, .EUR), from: .staffAdjustments, kind: .staffAdjustment,
                    memo: "", idempotencyKey: "a1"), actor: .testSetUp)
            try await ledger.post(
                try .credit(
                    client: a.accountID, amount: Money(minor: -1_250, .EUR), from: .revenue, kind: .charge, memo: "",
                    idempotencyKey: "a2"), actor: .testSetUp)
            #expect(try await ledger.balance(of: a.accountID, in: .EUR) == Money(minor: 3_750, .EUR))
            #expect(try await ledger.balanceMismatches() == [])

            try await app.db.sql.raw("UPDATE client_balances SET balance = balance + 100 WHERE account_id = \(bind: a.accountID)").run()
            try await app.db.sql.raw(
                "INSERT INTO client_balances (account_id, currency, balance) VALUES (\(bind: b.accountID), 'RUB', 700)"
            ).run()
            let found = try await ledger.balanceMismatches().sorted { $0.kept.units < $1.kept.units }
            #expect(
                found == [
                    Ledger.BalanceMismatch(accountID: b.accountID, kept: Money(units: 700, currency: .RUB), summed: .zero(.RUB)),
                    Ledger.BalanceMismatch(
                        accountID: a.accountID, kept: Money(units: 375_100, currency: .EUR), summed: Money(minor: 3_750, .EUR))
                ])
            // Put it back, or the test's own end-of-test check would (rightly) fail.
            try await app.db.sql.raw("UPDATE client_balances SET balance = balance - 100 WHERE account_id = \(bind: a.accountID)").run()
            try await app.db.sql.raw("DELETE FROM client_balances WHERE account_id = \(bind: b.accountID)").run()
            #expect(try await ledger.balanceMismatches() == [])
        }
    }

    @Test func movementsArePagedNewestFirst() async throws {
        try await TestEngine.run { app, clock in
            let client = try await app.signUpClient()
            for index in 1...30 {
                clock.advance(by: 60)
                try await app.engine.ledger.post(
                    try .credit(
                        client: client.accountID, amount: Money(major: Int64(index), .EUR),
                        from: .staffAdjustments, kind: .staffAdjustment, memo: "#\(index)",
                        idempotencyKey: "m\(index)"), actor: .testSetUp)
            }
            let first = try await app.engine.ledger.movements(of: client.accountID, page: PageRequest(number: 1, size: 25))
            #expect(first.total == 30)
            #expect(first.pageCount == 2)
            #expect(first.items.first?.memo == "#30")
            #expect(first.items.first?.amount == Money(major: 30, .EUR))
            let second = try await app.engine.ledger.movements(of: client.accountID, page: PageRequest(number: 2, size: 25))
            #expect(second.items.map(\.memo) == ["#5", "#4", "#3", "#2", "#1"])
        }
    }
}

/// A deterministic generator, so a failing random test fails the same way again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
