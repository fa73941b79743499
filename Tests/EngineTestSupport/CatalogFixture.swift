import BillingDomain
import BillingEngine
import BillingStore
import Fluent
import Foundation
import Vapor

/// A small catalog with round prices, so scenario tests can assert every amount by hand.
/// All prices are in EUR, tax included (the default), RAM priced at 0.01 € per MiB and month.
public struct CatalogFixture: Sendable {
    public let monthly: UUID
    public let ram: UUID
    public let yearly: UUID
    public let trial: UUID
    public let daily: UUID
    public let domain: UUID
    public let otherPlanAddon: UUID

    public static func make(_ app: Application) async throws -> CatalogFixture {
        let catalog = Catalog(context: app.engine)
        let monthly = try await catalog.savePlan(.init(productType: .vps, name: "VPS M", osImages: ["Debian 12", "Ubuntu 24.04"]))
        try await catalog.setPrice(ownerID: monthly, period: .month, amount: Money(major: 10, .EUR))
        try await catalog.setPrice(ownerID: monthly, period: .year, amount: Money(major: 100, .EUR))
        let ram = try await catalog.saveAddon(
            .init(kind: .ram, name: "RAM", included: 1024, minimum: 1024, maximum: 4096, step: 512),
            planID: monthly)
        try await catalog.setPrice(ownerID: ram, period: .month, amount: Money(units: 100, currency: .EUR))
        try await catalog.setPrice(ownerID: ram, period: .year, amount: Money(units: 1_000, currency: .EUR))
        let yearly = try await catalog.savePlan(.init(productType: .hosting, name: "Hosting Y"))
        try await catalog.setPrice(ownerID: yearly, period: .year, amount: Money(major: 100, .EUR))
        let trial = try await catalog.savePlan(.init(productType: .vps, name: "VPS Trial", trialDays: 30))
        try await catalog.setPrice(ownerID: trial, period: .month, amount: Money(major: 4, .EUR))
        let daily = try await catalog.savePlan(.init(productType: .hosting, name: "Cloud daily"))
        try await catalog.setPrice(ownerID: daily, period: .day, amount: Money(minor: 35, .EUR))
        let domain = try await catalog.savePlan(.init(productType: .domain, name: ".com domain"))
        try await catalog.setPrice(ownerID: domain, period: .year, amount: Money(major: 12, .EUR))
        let other = try await catalog.saveAddon(.init(kind: .cpu, name: "CPU", included: 1, minimum: 1, maximum: 4, step: 1), planID: trial)
        try await catalog.setPrice(ownerID: other, period: .month, amount: Money(major: 2, .EUR))
        return CatalogFixture(monthly: monthly, ram: ram, yearly: yearly, trial: trial, daily: daily, domain: domain, otherPlanAddon: other)
    }
}

extension Application {
    /// Credits a client's balance as a staff top-up would.
    public func topUp(_ accountID: UUID, _ amount: Money, key: String) async throws {
        try await billingEngine.ledger.post(
            try .credit(
                client: accountID, amount: amount, from: .staffAdjustments,
                kind: .staffAdjustment, memo: "Top-up", idempotencyKey: key), actor: .testSetUp)
    }

    /// Orders `planID` for a client and pays it from the balance, as the order form does; answers
    /// the new service.
    @discardableResult
    public func orderPaid(_ planID: UUID, domain: String, for accountID: UUID, period: BillingPeriod = .month) async throws -> ServiceRecord
    {
        let account = try await account(accountID)
        try await Cart(context: billingEngine).add(OrderConfiguration(planID: planID, period: period, domainName: domain), account: account)
        try await Orders(context: billingEngine).checkout(account: account, payFromBalance: true, actor: .testSetUp)
        // The module opens it (the worker in `serve` does so within a second).
        try await runJobs()
        return try await ServiceRecord.query(on: db).filter(\.$accountID == accountID).sort(\.$number, .descending).first()!
    }

    /// A service ordered and paid from the balance through `context` (a test's own processing
    /// modules); its "open" job is queued, not run: the test runs it and sees what its module says.
    public func orderPaid(_ planID: UUID, domain: String, for accountID: UUID, through context: EngineContext) async throws -> ServiceRecord
    {
        let account = try await account(accountID)
        try await Cart(context: context).add(OrderConfiguration(planID: planID, period: .month, domainName: domain), account: account)
        try await Orders(context: context).checkout(account: account, payFromBalance: true, actor: .testSetUp)
        return try await ServiceRecord.query(on: db).filter(\.$accountID == accountID).sort(\.$number, .descending).first()!
    }

    /// An account as the edge hands it to use cases.
    public func account(_ id: UUID) async throws -> Account {
        Account(try await accountRecord(id), fallback: engine.provider.defaultCurrency)
    }

    /// The stored account, for tests that check a column.
    public func accountRecord(_ id: UUID) async throws -> AccountRecord {
        try await AccountRecord.find(id, on: db)!
    }

    /// Moves the clock one day at a time up to `date` (provider's calendar), running the daily
    /// jobs on each day as the in-process scheduler would.
    public func runDays(until date: LocalDate, clock: TestClock, each: (LocalDate) async throws -> Void = { _ in }) async throws {
        let runner = JobRunner(context: billingEngine, owner: "test-runner")
        while billingEngine.today < date {
            clock.advance(days: 1)
            try await each(billingEngine.today)
            try await runner.runDue()
            // The worker in `serve` runs the jobs the pass queued within a second.
            try await runJobs()
        }
    }
}
