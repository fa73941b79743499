import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// `billing bench renewals`: fills an empty database with N active services due today (ten per
/// client, each client with enough money), then times one renewal pass.
public struct RenewalBenchmark: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public struct Result: Sendable {
        public let services: Int
        public let setupSeconds: Double
        public let runSeconds: Double
        public let summary: RenewalRun.Summary
        public var servicesPerSecond: Double { Double(services) / max(runSeconds, 0.000_001) }
    }

    public func run(services count: Int, chunkSize: Int = 500) async throws -> Result {
        let db = context.database
        let setupStart = DispatchTime.now()
        let today = context.today
        let now = context.clock.now
        let plan = PlanRecord(productType: ProductType.vps, name: "Bench VPS", summary: "", createdAt: now)
        try await plan.create(on: db)
        let price = Money(major: 10, .EUR)
        try await PriceRecord(ownerID: plan.id!, period: BillingPeriod.month, currency: .EUR, amount: price.units).create(on: db)
        let clients = max(1, count / 10)
        var made = 0
        var accountNumber = 0
        while made < count {
            var accounts: [AccountRecord] = []
            var users: [UserRecord] = []
            var postings: [LedgerPosting] = []
            var services: [ServiceRecord] = []
            for _ in 0..<min(500, clients - accountNumber + 1) where made < count {
                accountNumber += 1
                let account = AccountRecord(
                    clientCode: 10_000 + accountNumber, name: "Bench client \(accountNumber)", country: "DE",
                    registeredOn: today.iso, currency: .EUR, language: .en, createdAt: now)
                accounts.append(account)
                users.append(
                    UserRecord(
                        accountID: account.id!, email: "bench\(accountNumber)@example.com", name: "Bench",
                        passwordHash: "-", isOwner: true, createdAt: now))
                postings.append(
                    try .credit(
                        client: account.id!, amount: Money(major: 1_000, .EUR), from: .openingBalances,
                        kind: .openingBalance, memo: "Bench", idempotencyKey: "bench:\(account.id!)"))
                for _ in 0..<10 where made < count {
                    made += 1
                    let anchor = today.adding(months: -1)
                    services.append(
                        ServiceRecord(
                            accountID: account.id!, number: 1000 + made, planID: plan.id!,
                            productType: ProductType.vps, planName: plan.name,
                            domainName: "bench\(made)", osImage: "", addons: "{}",
                            status: ServiceStatus.active, period: BillingPeriod.month,
                            currency: .EUR, recurringAmount: price.units, autoRenew: true,
                            anchorOn: anchor.iso, periodsPaid: 1, expiresOn: today.iso, isTrial: false, createdAt: now))
                }
            }
            let batch = (accounts, users, postings, services)
            try await db.transaction { tx in
                try await batch.0.create(on: tx)
                try await batch.1.create(on: tx)
                _ = try await context.ledger.insertBatch(batch.2, actor: .system(job: "bench"), on: tx)
                for slice in stride(from: 0, to: batch.3.count, by: 500) {
                    try await Array(batch.3[slice..<min(slice + 500, batch.3.count)]).create(on: tx)
                }
            }
        }
        let setup = Double(DispatchTime.now().uptimeNanoseconds - setupStart.uptimeNanoseconds) / 1e9
        let runStart = DispatchTime.now()
        let summary = try await RenewalRun(context: context, chunkSize: chunkSize).run(on: today)
        let run = Double(DispatchTime.now().uptimeNanoseconds - runStart.uptimeNanoseconds) / 1e9
        return Result(services: count, setupSeconds: setup, runSeconds: run, summary: summary)
    }
}
