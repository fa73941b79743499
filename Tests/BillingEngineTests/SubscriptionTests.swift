import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Payments
import PaymentsTestSupport
import Testing

extension TestPlatform {
    /// Saves a card through the sandbox's set-up page, as a client does on /finance/methods.
    func saveCard(account: Account, method: UUID, context: EngineContext) async throws -> SavedMethod {
        let started = try await SavedMethods(context: context).startSetup(
            methodID: method, caller: .testClient(account), returnURL: { _ in "r" },
            cancelURL: { _ in "c" })
        #expect(started.savedMethod.status == .beingSetUp)
        let (body, headers) = Sandbox.paid(self, redirect: started.url)
        #expect(try await GatewayWebhooks(context: context).receive(gateway: "sandbox", body: body, headers: headers) == .methodSaved)
        let saved = try await SavedMethods(context: context).list(caller: .testClient(account))
        #expect(saved.map(\.status) == [.enabled])
        #expect(saved.first?.label == "Visa •••• 4242")
        return saved[0]
    }
}

@Suite("Subscriptions and autopayment through time")
struct SubscriptionTests {
    static func context(_ app: TestEngine, declineOn: Set<String>) -> EngineContext {
        // The sandbox saving cards and charging them, except on the chosen billing days (a card
        // with no money on those days). Checkouts and refunds are not part of these stories.
        let sandbox = Sandbox.gateway(app)
        let engine = app.engine
        return app.engine.replacingGateway(
            StandInGateway(
                name: sandbox.name, setup: { try await sandbox.startSetup($0) },
                charge: { request in
                    if declineOn.contains(engine.today.iso) { return .declined(reason: "insufficient_funds") }
                    return try await sandbox.charge(request)
                },
                webhook: { try await sandbox.verifyWebhook(body: $0, headers: $1, receivedAt: $2) }))
    }

    static func runDays(_ context: EngineContext, until date: LocalDate, clock: TestClock) async throws {
        let runner = JobRunner(context: context, owner: "test")
        while context.today < date {
            clock.advance(days: 1)
            try await runner.runDue()
            try await context.runJobs()
        }
    }

    @Test func aSavedCardRenewsTheServiceADayAheadAndADeclineIsRetriedTheNextDay() async throws {
        try await TestEngine.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let context = Self.context(app, declineOn: ["2026-03-14"])
            let method = try await app.cardMethod(percent: 250)
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("10.00"), key: "t")
            let account = try await app.account(client.accountID)
            try await Cart(context: context).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web"), caller: .testClient(account))
            try await Orders(context: context).checkout(caller: .testClient(account), payFromBalance: true)
            try await context.runJobs()
            let service = try #require(try await ServiceRecord.query(on: app.db).first())
            let card = try await app.saveCard(account: account, method: method, context: context)
            try await SavedMethods(context: context).setRenewal(
                serviceID: service.id!, savedMethodID: card.id, autoRenew: true,
                caller: .testClient(account))

            // 13 February: nothing yet. 14 February, a day before expiry: 10.00 + 0.25 commission.
            try await Self.runDays(context, until: LocalDate(iso: "2026-02-13")!, clock: clock)
            #expect(try await PaymentRecord.query(on: app.db).filter(\.$purpose == .subscription).count() == 0)
            try await Self.runDays(context, until: LocalDate(iso: "2026-02-14")!, clock: clock)
            var subscriptions = try await PaymentRecord.query(on: app.db).filter(\.$purpose == .subscription).sort(\.$number).all()
            #expect(subscriptions.map(\.status) == [.credited])
            #expect(subscriptions.map(\.total) == [Money.eur("10.25").units])
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.expiresOn == "2026-03-15")
            #expect(try await app.balance(client.accountID) == .zero(.EUR))
            let expenses = try await ExpenseRecord.query(on: app.db).sort(\.$createdAt).all()
            #expect(expenses.map(\.chargedOn) == ["2026-01-15", "2026-02-14"])
            #expect(expenses.map(\.periodFrom) == ["2026-01-15", "2026-02-15"])
            #expect(expenses.map(\.amount) == [Money.eur("10.00").units, Money.eur("10.00").units])

            // 14 March the card is declined: Not working, an e-mail, the service still runs.
            try await Self.runDays(context, until: LocalDate(iso: "2026-03-14")!, clock: clock)
            #expect(try await SavedMethodRecord.find(card.id, on: app.db)?.status == .notWorking)
            let mails = try await OutboxEmailRecord.query(on: app.db).filter(
                \.$dedupeKey == "method-failed:\(card.id.uuidString.lowercased()):2026-03-14"
            ).all()
            #expect(mails.count == 1)
            #expect(mails.first?.subject == "Payment with Visa •••• 4242 failed")
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)
            #expect(try await OrderRecord.query(on: app.db).filter(\.$status == .cancelled).count() == 1)

            // 15 March: tried again, paid, renewed; the method works again.
            try await Self.runDays(context, until: LocalDate(iso: "2026-03-15")!, clock: clock)
            subscriptions = try await PaymentRecord.query(on: app.db).filter(\.$purpose == .subscription).sort(\.$number).all()
            #expect(subscriptions.map(\.status) == [.credited, .cancelled, .credited])
            #expect(subscriptions.map { $0.failure ?? "" } == ["", "insufficient_funds", ""])
            let renewed = try #require(try await ServiceRecord.find(service.id!, on: app.db))
            #expect(renewed.status == .active)
            #expect(renewed.expiresOn == "2026-04-15")
            #expect(try await SavedMethodRecord.find(card.id, on: app.db)?.status == .enabled)
            #expect(try await app.balance(client.accountID) == .zero(.EUR))
        }
    }

    @Test func aDomainIsChargedSixtyDaysBeforeItExpires() async throws {
        try await TestEngine.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let context = Self.context(app, declineOn: [])
            let method = try await app.cardMethod()
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("12.00"), key: "t")
            let account = try await app.account(client.accountID)
            try await Cart(context: context).add(
                OrderConfiguration(planID: catalog.domain, period: .year, domainName: "example.com"), caller: .testClient(account))
            try await Orders(context: context).checkout(caller: .testClient(account), payFromBalance: true)
            try await context.runJobs()
            let domain = try #require(try await ServiceRecord.query(on: app.db).first())
            #expect(domain.expiresOn == "2027-01-15")
            let card = try await app.saveCard(account: account, method: method, context: context)
            try await SavedMethods(context: context).setRenewal(
                serviceID: domain.id!, savedMethodID: card.id, autoRenew: true,
                caller: .testClient(account))
            try await Self.runDays(context, until: LocalDate(iso: "2026-11-15")!, clock: clock)
            #expect(try await PaymentRecord.query(on: app.db).filter(\.$purpose == .subscription).count() == 0)
            try await Self.runDays(context, until: LocalDate(iso: "2026-11-16")!, clock: clock)
            let charged = try await PaymentRecord.query(on: app.db).filter(\.$purpose == .subscription).all()
            #expect(charged.map(\.total) == [Money.eur("12.00").units])
            #expect(charged.first.flatMap(\.creditedAt).map { context.calendar.date(of: $0).iso } == "2026-11-16")
            #expect(try await ServiceRecord.find(domain.id!, on: app.db)?.expiresOn == "2028-01-15")
        }
    }

    @Test func autopaymentTopsUpWithinTheMonthlyCapAndStopsAtIt() async throws {
        try await TestEngine.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let context = Self.context(app, declineOn: [])
            let method = try await app.cardMethod()
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("30.00"), key: "t")
            let account = try await app.account(client.accountID)
            for name in ["a", "b", "c"] {
                try await Cart(context: context).add(
                    OrderConfiguration(planID: catalog.monthly, period: .month, domainName: name), caller: .testClient(account))
            }
            try await Orders(context: context).checkout(caller: .testClient(account), payFromBalance: true)
            try await context.runJobs()
            let card = try await app.saveCard(account: account, method: method, context: context)
            let autopay = Autopayments(context: context)
            // Three services at 10.00 a month: the form recommends 33.00.
            #expect(try await autopay.forecast(caller: .testClient(account)) == Money.eur("30.00"))
            #expect(try await autopay.overview(caller: .testClient(account)).recommendedMaximum == Money.eur("33.00"))
            try await autopay.save(caller: .testClient(account), savedMethodID: card.id, monthlyMaximum: Money.eur("25.00"), enabled: true)

            // 12 February, three days before the renewals: 30.00 needed, 25.00 allowed.
            try await Self.runDays(context, until: LocalDate(iso: "2026-02-11")!, clock: clock)
            #expect(try await PaymentRecord.query(on: app.db).filter(\.$purpose == .autopay).count() == 0)
            try await Self.runDays(context, until: LocalDate(iso: "2026-02-28")!, clock: clock)
            var autopayments = try await PaymentRecord.query(on: app.db).filter(\.$purpose == .autopay).sort(\.$number).all()
            #expect(autopayments.map(\.amount) == [Money.eur("25.00").units])
            #expect(autopayments.compactMap(\.creditedAt).map { context.calendar.date(of: $0).iso } == ["2026-02-12"])
            #expect(try await autopay.takenThisMonth(accountID: account.id, currency: .EUR) == Money.eur("25.00"))
            let statuses = try await ServiceRecord.query(on: app.db).sort(\.$number).all().map(\.status)
            #expect(statuses == [.active, .active, .expired])
            #expect(try await app.balance(client.accountID) == Money.eur("5.00"))

            // A new month: 5.00 more brings the expired service back on 1 March.
            try await Self.runDays(context, until: LocalDate(iso: "2026-03-01")!, clock: clock)
            autopayments = try await PaymentRecord.query(on: app.db).filter(\.$purpose == .autopay).sort(\.$number).all()
            #expect(autopayments.map(\.amount) == [Money.eur("25.00").units, Money.eur("5.00").units])
            #expect(try await ServiceRecord.query(on: app.db).sort(\.$number).all().map(\.status) == [.active, .active, .active])
            #expect(try await app.balance(client.accountID) == .zero(.EUR))
        }
    }

    @Test func deletingASavedMethodTurnsAutoRenewalOffAndTellsTheClient() async throws {
        try await TestEngine.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let method = try await app.cardMethod()
            let client = try await app.signUpClient(currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("10.00"), key: "t")
            let account = try await app.account(client.accountID)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web"), caller: .testClient(account))
            try await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
            try await app.runJobs()
            let service = try #require(try await ServiceRecord.query(on: app.db).first())
            let card = try await app.saveCard(account: account, method: method, context: app.engine)
            try await SavedMethods(context: app.engine).rename(card.id, to: "My Visa", caller: .testClient(account))
            try await SavedMethods(context: app.engine).setRenewal(
                serviceID: service.id!, savedMethodID: card.id, autoRenew: true,
                caller: .testClient(account))
            let other = try await app.signUpClient(email: "bob@example.com", currency: .EUR)
            await #expect(throws: PaymentError.savedMethodNotFound) {
                try await SavedMethods(context: app.engine).delete(
                    card.id, caller: .testClient(try await app.account(other.accountID)))
            }
            let affected = try await SavedMethods(context: app.engine).delete(card.id, caller: .testClient(account))
            #expect(affected.map(\.id) == [service.id])
            let after = try #require(try await ServiceRecord.find(service.id!, on: app.db))
            #expect(after.autoRenew == false)
            #expect(after.savedMethodID == nil)
            #expect(try await SavedMethods(context: app.engine).list(caller: .testClient(account)).isEmpty)
            let mail = try await OutboxEmailRecord.query(on: app.db).filter(
                \.$dedupeKey == "method-deleted:\(card.id.uuidString.lowercased())"
            ).first()
            #expect(mail?.subject == "Payment method My Visa deleted")
            #expect(mail?.body.contains("VPS M") == true)
        }
    }
}
