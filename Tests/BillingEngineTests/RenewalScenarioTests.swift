import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Provisioning
import ProvisioningTestSupport
import Testing

/// Moves the clock through months of billing (the Kill Bill / Lago way) and checks every charge,
/// status and notice. Runs on SQLite, and on PostgreSQL when DATABASE_URL is set.
@Suite("Renewals through time")
struct RenewalScenarioTests {
    @Test func thirteenMonthsOfMonthlyAndYearlyPlansWithAMidPeriodAddon() async throws {
        try await TestEngine.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("500.00"), key: "start")
            var account = try await app.account(client.accountID)
            let actor = Initiator.client(userID: client.userID)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web1"), caller: .testClient(account))
            try await Cart(context: app.engine).add(OrderConfiguration(planID: catalog.yearly, period: .year), caller: .testClient(account))
            let order = try await Orders(context: app.engine).checkout(caller: .testClient(account, as: actor), payFromBalance: true)
            #expect(order.status == .paid)
            #expect(order.total == Money.eur("110.00"))
            #expect(order.tax == Money.eur("17.57")) // 1.60 + 15.97, 19 % included
            // Paid: both wait for their module, then the "open" jobs make them Active.
            #expect(try await ServiceRecord.query(on: app.db).all().map(\.status) == [.processing, .processing])
            // Two openings and the "order paid" e-mail.
            #expect(try await app.runJobs().done == 3)
            let services = try await ServiceRecord.query(on: app.db).sort(\.$number).all()
            #expect(services.map(\.status) == [.active, .active])
            #expect(services.map(\.expiresOn) == ["2026-02-15", "2027-01-15"])
            #expect(services[0].ipAddress != nil)
            let monthly = services[0]
            let yearly = services[1]

            // 25 January: RAM 1024 → 2048 MiB; 10.24 a month more, 21 of 31 days left: 6.94.
            try await app.runDays(until: LocalDate(iso: "2026-01-25")!, clock: clock)
            account = try await app.account(client.accountID)
            let change = try await ServiceLifecycle(context: app.engine).quoteChange(
                serviceID: monthly.id!, addons: [catalog.ram: 2048], caller: .testClient(account))
            #expect(change.share == Fraction(21, 31))
            #expect(change.dueNow.gross == Money.eur("6.94"))
            #expect(change.dueNow.tax == Money.eur("1.11"))
            try await ServiceLifecycle(context: app.engine).changeResources(
                serviceID: monthly.id!, addons: [catalog.ram: 2048],
                caller: .testClient(account, as: actor), requestKey: "k1")
            // A double submit of the same form charges once.
            try await ServiceLifecycle(context: app.engine).changeResources(
                serviceID: monthly.id!, addons: [catalog.ram: 2048],
                caller: .testClient(account, as: actor), requestKey: "k1")

            var passDays: [String] = []
            try await app.runDays(until: LocalDate(iso: "2027-02-15")!, clock: clock) { day in passDays.append(day.iso) }
            #expect(passDays.count == 386)

            // The same day's pass again changes nothing.
            let again = try await RenewalRun(context: app.engine).run(on: app.engine.today)
            #expect(again == RenewalRun.Summary())
            #expect(try await JobRunner(context: app.engine).runDue() == .alreadyDone)

            let expenses = try await ExpenseRecord.query(on: app.db).sort(\.$chargedOn).sort(\.$amount).all()
            var expected: [(String, String, String?, String)] = [
                ("2026-01-15", "10.00", "2026-01-15", "1.60"), ("2026-01-15", "100.00", "2026-01-15", "15.97"),
                ("2026-01-25", "6.94", "2026-01-25", "1.11")
            ]
            var month = LocalDate(iso: "2026-02-15")!
            while month <= LocalDate(iso: "2027-02-15")! {
                expected.append((month.iso, "20.24", month.iso, "3.23"))
                if month.iso == "2027-01-15" { expected.append((month.iso, "100.00", month.iso, "15.97")) }
                month = month.adding(months: 1)
            }
            expected.sort { ($0.0, Money.eur($0.1).units) < ($1.0, Money.eur($1.1).units) }
            #expect(expenses.count == 17)
            #expect(
                expenses.map {
                    "\($0.chargedOn) \(MoneyFormat.plain(Money(units: $0.amount, currency: .EUR))) \($0.periodFrom ?? "-") \(MoneyFormat.plain(Money(units: $0.tax, currency: .EUR)))"
                }
                    == expected.map { "\($0.0) \($0.1) \($0.2 ?? "-") \($0.3)" })
            #expect(expenses.allSatisfy { $0.paidAmount == $0.amount && $0.ledgerTransactionID != nil })
            #expect(expenses.filter { $0.amount == Money.eur("20.24").units }.map(\.periodTo).first == "2026-03-14")

            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == Money.eur("19.94"))
            #expect(try await app.engine.ledger.total(of: .revenue, in: .EUR) == Money.eur("403.42"))
            #expect(try await app.engine.ledger.total(of: .taxPayable, in: .EUR) == Money.eur("76.64"))

            let after = try await ServiceRecord.query(on: app.db).sort(\.$number).all()
            #expect(after.map(\.expiresOn) == ["2027-03-15", "2028-01-15"])
            #expect(after.map(\.status) == [.active, .active])
            #expect(after[0].recurringAmount == Money.eur("20.24").units)
            #expect(after[0].periodsPaid == 14)

            let history = try await ServiceLifecycle(context: app.engine).history(serviceID: monthly.id!)
            #expect(history.filter { $0.event == "renewed" }.count == 13)
            #expect(Set(history.map(\.event)) == ["ordered", "paid", "opened", "changed", "renewed"])
            let yearlyHistory = try await ServiceLifecycle(context: app.engine).history(serviceID: yearly.id!)
            #expect(yearlyHistory.filter { $0.event == "renewed" }.map(\.note) == ["2027-01-15 – 2028-01-14"])

            let mail = try await OutboxEmailRecord.query(on: app.db).filter(\.$category == .services).all()
            let kinds = mail.map { ($0.dedupeKey ?? "").split(separator: ":").first.map(String.init) ?? "" }
            #expect(kinds.filter { $0 == "renewed" }.count == 14)
            #expect(kinds.filter { $0 == "expiring" }.count == 14)
            #expect(!kinds.contains("expired"))
            #expect(mail.allSatisfy { $0.recipient == "anna@example.com" })
        }
    }

    @Test func trialConvertsThenExpiresResumesAfterTopUpAndIsDeletedAfterGrace() async throws {
        try await TestEngine.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(email: "bob@example.com", country: "UA", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("4.00"), key: "first")
            let account = try await app.account(client.accountID)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.trial, period: .month, domainName: "trial1", trial: true),
                caller: .testClient(account))
            let order = try await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
            try await app.runJobs()
            #expect(order.total.isZero)
            let service = try await ServiceRecord.query(on: app.db).first()!
            #expect(service.isTrial)
            #expect(service.expiresOn == "2026-02-14")
            // A second trial of the same plan is refused.
            await #expect(throws: OrderError.trialUsed) {
                try await Cart(context: app.engine).add(
                    OrderConfiguration(planID: catalog.trial, period: .month, domainName: "trial2", trial: true),
                    caller: .testClient(account))
            }

            try await app.runDays(until: LocalDate(iso: "2026-05-10")!, clock: clock) { day in
                if day.iso == "2026-03-20" { try await app.topUp(client.accountID, Money.eur("4.00"), key: "second") }
                if day.iso == "2026-02-15" {
                    let converted = try await ServiceRecord.find(service.id!, on: app.db)!
                    #expect(!converted.isTrial)
                    #expect(converted.expiresOn == "2026-03-14")
                }
                if day.iso == "2026-03-15" {
                    let expired = try await ServiceRecord.find(service.id!, on: app.db)!
                    #expect(expired.status == .expired)
                    #expect(expired.expiredOn == "2026-03-14")
                }
                if day.iso == "2026-03-21" {
                    let resumed = try await ServiceRecord.find(service.id!, on: app.db)!
                    #expect(resumed.status == .active)
                    #expect(resumed.expiresOn == "2026-04-20")
                    // The client reads that it is back on, not that it was renewed.
                    let mail = try await app.deliveredMail(to: "bob@example.com").map(\.subject)
                    #expect(mail.last == "VPS Trial · trial1 #\(resumed.number) is paid and back on")
                    #expect(mail.filter { $0.hasSuffix("is paid and back on") }.count == 1)
                }
            }
            let final = try await ServiceRecord.find(service.id!, on: app.db)!
            #expect(final.status == .deleted)
            #expect(final.expiredOn == "2026-04-20")
            let expenses = try await ExpenseRecord.query(on: app.db).sort(\.$chargedOn).all()
            #expect(
                expenses.map {
                    "\($0.chargedOn) \($0.periodFrom!)–\($0.periodTo!) \(MoneyFormat.plain(Money(units: $0.amount, currency: .EUR)))"
                } == [
                    "2026-01-15 2026-01-15–2026-02-13 0.00", "2026-02-14 2026-02-14–2026-03-13 4.00",
                    "2026-03-20 2026-03-20–2026-04-19 4.00"
                ])
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == .zero(.EUR))

            let history = try await ServiceEventRecord.query(on: app.db).filter(\.$serviceID == service.id!).all()
            let calendar = app.engine.calendar
            let lines = history.map { "\(calendar.date(of: $0.at).iso) \($0.event) \($0.toStatus)" }.sorted()
            #expect(
                lines == [
                    "2026-01-15 opened active", "2026-01-15 paid processing", "2026-01-15 trial_started ordered",
                    "2026-02-14 renewed active",
                    "2026-03-14 expired expired",
                    "2026-03-20 renewal_paid active", "2026-03-20 renewed active",
                    "2026-04-20 expired expired",
                    "2026-05-04 deleted deleted", "2026-05-04 deletion_requested processing"
                ])
            let keys = try await OutboxEmailRecord.query(on: app.db).filter(\.$category == .services).all()
                .compactMap { $0.dedupeKey?.split(separator: ":").first.map(String.init) }.sorted()
            // Renewed when the trial converted; resumed when the expired service was paid again.
            #expect(keys == ["deleted", "expired", "expired", "expiring", "expiring", "expiring", "renewed", "resumed"])
        }
    }

    @Test func dailyServicesAreChargedPerDayAndNotWhileStopped() async throws {
        try await TestEngine.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("10.00"), key: "t")
            let account = try await app.account(client.accountID)
            try await Cart(context: app.engine).add(OrderConfiguration(planID: catalog.daily, period: .day), caller: .testClient(account))
            try await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
            try await app.runJobs()
            let service = try await ServiceRecord.query(on: app.db).first()!
            #expect(service.expiresOn == "2026-01-16")
            try await app.runDays(until: LocalDate(iso: "2026-01-20")!, clock: clock) // 16..20: five days
            try await ServiceLifecycle(context: app.engine).stop(serviceID: service.id!, caller: .testClient(account))
            #expect(try await ServiceRecord.find(service.id!, on: app.db)!.operation == .switchingOff)
            try await app.runJobs()
            #expect(try await ServiceRecord.find(service.id!, on: app.db)!.status == .suspendedByClient)
            try await app.runDays(until: LocalDate(iso: "2026-01-25")!, clock: clock) // stopped: nothing
            try await ServiceLifecycle(context: app.engine).start(serviceID: service.id!, caller: .testClient(account))
            try await app.runJobs()
            try await app.runDays(until: LocalDate(iso: "2026-01-27")!, clock: clock) // 26, 27
            let charged = try await ExpenseRecord.query(on: app.db).sort(\.$chargedOn).all().map(\.chargedOn)
            #expect(
                charged == [
                    "2026-01-15", "2026-01-16", "2026-01-17", "2026-01-18", "2026-01-19", "2026-01-20",
                    "2026-01-26", "2026-01-27"
                ])
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == Money.eur("7.20"))
            #expect(try await ServiceRecord.find(service.id!, on: app.db)!.expiresOn == "2026-01-28")
        }
    }
}

@Suite("The backend follows the billing")
struct BackendFollowsBillingTests {
    @Test func expiryStopsTheServerPaymentStartsItAgainAndGraceDeletesIt() async throws {
        try await TestEngine.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let module = StandInModule()
            module.expect(.open, .done(ipAddress: "192.0.2.1"))
            module.expect(.stop, .done, .done)
            module.expect(.start, .done)
            module.expect(.delete, .done)
            let context = app.engine.replacingModules(ProcessingModules([module]))
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            try await app.topUp(client.accountID, Money(major: 10, .EUR), key: "t")
            let account = try await app.account(client.accountID)
            try await Cart(context: context).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web"), caller: .testClient(account))
            try await Orders(context: context).checkout(caller: .testClient(account), payFromBalance: true)
            try await context.runJobs()
            let run = RenewalRun(context: context)
            var day = context.today
            while day < LocalDate(iso: "2026-03-20")! {
                clock.advance(days: 1)
                day = context.today
                if day.iso == "2026-02-20" { try await app.topUp(client.accountID, Money(major: 10, .EUR), key: "t2") }
                _ = try await run.run(on: day)
                try await context.runJobs()
            }
            // Opened on 15 January, expired unpaid on 15 February, resumed on the 20th, expired on
            // 20 March; deleted after 14 days of grace on 3 April.
            #expect(module.log == ["open #1001", "stop #1001", "start #1001", "stop #1001"])
            while day < LocalDate(iso: "2026-04-03")! {
                clock.advance(days: 1)
                day = context.today
                _ = try await run.run(on: day)
                try await context.runJobs()
            }
            #expect(module.log.last == "delete #1001")
            #expect(module.unused.isEmpty)
            // Each call carried its job's key: the module can tell a repeat from new work.
            #expect(Set(module.calls.map(\.key)).count == 5)
            #expect(try await ServiceRecord.query(on: app.db).first()?.status == .deleted)
        }
    }
}
