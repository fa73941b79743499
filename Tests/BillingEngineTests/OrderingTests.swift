import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Testing

@Suite("Ordering: pricing on the server, promo codes, alignment, currency change")
struct OrderingTests {
    /// The cart and orders take the caller and check its right and the object's account in the
    /// engine, so the web, the API and a later bot get one answer: a user who may only look at
    /// services cannot order, one who may order cannot pay an order, and nobody reaches another
    /// account's order.
    @Test func orderingAsksForTheRightAndReachesOnlyTheAccountsOwnOrders() async throws {
        try await TestEngine.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let anna = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(anna.accountID)
            try await app.topUp(anna.accountID, Money.eur("50.00"), key: "t")
            let viewer = Caller.user(UUID(), of: account, rights: [.viewServices])
            let orderer = Caller.user(UUID(), of: account, rights: [.orderServices])
            let payer = Caller.user(UUID(), of: account, rights: [.pay])
            let cart = Cart(context: app.engine)
            let orders = Orders(context: app.engine)
            let config = OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web")
            await #expect(throws: PlainRefusal.forbidden) { try await cart.add(config, caller: viewer) }
            await #expect(throws: PlainRefusal.forbidden) { try await cart.lines(caller: viewer) }
            await #expect(throws: PlainRefusal.forbidden) { try await orders.checkout(caller: viewer, payFromBalance: true) }
            await #expect(throws: PlainRefusal.forbidden) { try await orders.list(caller: viewer, status: .pending) }
            await #expect(throws: PlainRefusal.forbidden) { try await orders.cartCount(caller: payer) }
            // The one who may order checks out; paying the waiting order needs the right to pay.
            try await cart.add(config, caller: orderer)
            let order = try await orders.checkout(caller: orderer, payFromBalance: false)
            #expect(order.status == .pending)
            #expect(order.total == Money.eur("10.00"))
            await #expect(throws: PlainRefusal.forbidden) { try await orders.pay(orderID: order.id, caller: orderer) }
            await #expect(throws: PlainRefusal.forbidden) { try await orders.settle(orderID: order.id, caller: orderer) }
            #expect(try await app.balance(anna.accountID) == Money.eur("50.00"))
            // Another account's owner finds nothing of Anna's, and changes nothing.
            let boris = try await app.account(try await app.signUpClient(email: "boris@example.com", country: "DE").accountID)
            #expect(try await orders.detail(orderID: order.id, caller: .testClient(boris)) == nil)
            await #expect(throws: OrderError.orderNotFound) { try await orders.cancel(orderID: order.id, caller: .testClient(boris)) }
            await #expect(throws: OrderError.orderNotFound) { try await orders.settle(orderID: order.id, caller: .testClient(boris)) }
            #expect(try await orders.list(caller: orderer, status: .pending).map(\.id) == [order.id])
            // The payer pays it, once.
            #expect(try await orders.settle(orderID: order.id, caller: payer) == .paid)
            try await orders.pay(orderID: order.id, caller: payer)
            #expect(try await app.balance(anna.accountID) == Money.eur("40.00"))
            #expect(try await orders.list(caller: orderer, status: .paid).map(\.id) == [order.id])
            // The staff's client card reads the account's orders; a client cannot ask that way.
            #expect(try await orders.latest(of: account, limit: 10, caller: .staff(UUID(), role: .support)).map(\.id) == [order.id])
            await #expect(throws: PlainRefusal.forbidden) { try await orders.latest(of: account, limit: 10, caller: .testClient(account)) }
        }
    }

    /// An e-mail's amounts are written in the language of its text: the owner's, which may differ
    /// from the account's (the account was opened in Ukrainian, its owner reads English now).
    @Test func anEmailWritesItsAmountsInTheLanguageOfItsText() async throws {
        try await TestEngine.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", language: .uk, currency: .EUR)
            let owner = try #require(try await UserRecord.find(client.userID, on: app.db))
            owner.language = .en
            try await owner.save(on: app.db)
            try await app.topUp(client.accountID, Money.eur("1234.50"), key: "t")
            try await app.orderPaid(catalog.yearly, domain: "example.com", for: client.accountID, period: .year)
            let paid = try #require(try await app.deliveredMail(to: "anna@example.com").first { $0.subject.contains("paid") })
            // English text, English amount (the account's Ukrainian would write "100,00 €").
            #expect(paid.text.contains("is paid: €100.00 from your balance"))
            #expect(!paid.text.contains("100,00"))
        }
    }

    @Test func tamperedConfigurationsAreRefusedAndChangeNothing() async throws {
        try await TestEngine.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            let cart = Cart(context: app.engine)
            func refused(_ config: OrderConfiguration, _ error: OrderError) async {
                await #expect(throws: error) { try await cart.add(config, caller: .testClient(account)) }
            }
            await refused(
                .init(planID: catalog.monthly, period: .month, addons: [catalog.ram: 8192], domainName: "a"),
                .addonAboveMaximum(name: "RAM", maximum: 4096))
            await refused(
                .init(planID: catalog.monthly, period: .month, addons: [catalog.ram: -512], domainName: "a"),
                .addonBelowMinimum(name: "RAM", minimum: 1024))
            await refused(
                .init(planID: catalog.monthly, period: .month, addons: [catalog.ram: 1100], domainName: "a"),
                .addonOffStep(name: "RAM", step: 512))
            await refused(
                .init(planID: catalog.monthly, period: .month, addons: [catalog.otherPlanAddon: 2], domainName: "a"), .addonNotInPlan)
            await refused(.init(planID: catalog.monthly, period: .quarter, domainName: "a"), .periodNotOffered)
            await refused(.init(planID: catalog.monthly, period: .month), .domainNameRequired)
            await refused(.init(planID: catalog.monthly, period: .month, domainName: "bad name!"), .domainNameInvalid)
            await refused(.init(planID: catalog.monthly, period: .month, domainName: "a", osImage: "Windows XP"), .unknownOS)
            await refused(.init(planID: catalog.monthly, period: .month, domainName: "a", trial: true), .trialNotOffered)
            await refused(.init(planID: UUID(), period: .month), .unknownPlan)
            #expect(try await Orders(context: app.engine).cartCount(caller: .testClient(account)) == 0)
            #expect(try await ExpenseRecord.query(on: app.db).count() == 0)
            #expect(try await ServiceRecord.query(on: app.db).count() == 0)
            // Nothing in the balance: checkout leaves the order pending and charges nothing.
            try await cart.add(.init(planID: catalog.monthly, period: .month, domainName: "a"), caller: .testClient(account))
            await #expect(throws: OrderError.insufficientBalance(needed: Money.eur("10.00"), available: .zero(.EUR))) {
                try await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
                try await app.runJobs()
            }
            #expect(try await Orders(context: app.engine).list(caller: .testClient(account), status: .pending).count == 1)
            #expect(try await ServiceRecord.query(on: app.db).count() == 0)
            #expect(try await LedgerEntryRecord.query(on: app.db).count() == 0)
        }
    }

    @Test func aWaitingRenewalIsRepricedWhenTheServiceChangesAndExtendAgainFindsIt() async throws {
        try await TestEngine.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("300.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web", for: client.accountID)
            let account = try await app.account(client.accountID)
            let orders = Orders(context: app.engine)
            func waiting() async throws -> [OrderRecord] {
                try await OrderRecord.query(on: app.db).filter(\.$status == .pending).all()
            }

            // Extend twice: one renewal waits, at the service's price.
            let first = try await orders.requestRenewal(serviceID: service.id!, caller: .testClient(account))
            #expect(first.total == Money.eur("10.00"))
            let again = try await orders.requestRenewal(serviceID: service.id!, caller: .testClient(account))
            #expect(again.id == first.id)
            #expect(try await waiting().count == 1)

            // 1 GiB more RAM: the waiting renewal is replaced by one at the new price.
            try await ServiceLifecycle(context: app.engine).changeResources(
                serviceID: service.id!, addons: [catalog.ram: 2048], caller: .testClient(account), requestKey: "ram")
            let changed = try #require(try await ServiceRecord.find(service.id!, on: app.db))
            let newPrice = Money(units: changed.recurringAmount, currency: .EUR)
            // 10.00 for the plan and 0.01 a month for each of the 1 024 MiB above the included 1 GiB.
            #expect(newPrice == Money.eur("20.24"))
            #expect(try await OrderRecord.find(first.id, on: app.db)?.status == .cancelled)
            let replaced = try #require(try await waiting().first)
            #expect(try await waiting().count == 1)
            #expect(Money(units: replaced.total, currency: .EUR) == newPrice)
            // The same change sent again (a double submit) changes nothing, the renewal included.
            try await ServiceLifecycle(context: app.engine).changeResources(
                serviceID: service.id!, addons: [catalog.ram: 2048], caller: .testClient(account), requestKey: "ram")
            #expect(try await waiting().map(\.id) == [replaced.id])
            // "Extend" now shows that one.
            #expect(try await orders.requestRenewal(serviceID: service.id!, caller: .testClient(account)).id == replaced.id)
            #expect(try await orders.waitingRenewal(serviceID: service.id!, caller: .testClient(account))?.id == replaced.id)

            // A yearly period from the next renewal: replaced again, at the yearly price.
            try await ServiceLifecycle(context: app.engine).changePeriod(
                serviceID: service.id!, to: .year, caller: .testClient(account))
            let yearly = try #require(try await waiting().first)
            #expect(try await waiting().count == 1)
            #expect(yearly.id != replaced.id)
            let yearPrice = Money(
                units: try #require(try await ServiceRecord.find(service.id!, on: app.db)).recurringAmount, currency: .EUR)
            #expect(Money(units: yearly.total, currency: .EUR) == yearPrice)
            #expect(yearPrice == Money.eur("202.40"))

            // Paid: one period at the current price, and nothing else waits.
            let before = try await app.balance(client.accountID)
            try await orders.pay(orderID: yearly.id!, caller: .testClient(account))
            #expect(try await app.balance(client.accountID) == before - yearPrice)
            #expect(try await waiting().isEmpty)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.expiresOn == "2027-02-15")
        }
    }

    @Test func promoCodesApplyByPlanDatesAndLimits() async throws {
        try await TestEngine.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let now = app.engine.clock.now
            try await PromoCodeRecord(
                code: "TENOFF", kind: .percent, value: 1_000, currency: nil, planID: nil, validFrom: nil,
                validUntil: "2026-12-31", usageLimit: nil, oncePerClient: true, createdAt: now
            ).create(on: app.db)
            try await PromoCodeRecord(
                code: "YEARLY5", kind: .fixed, value: Money.eur("5.00").units, currency: .EUR, planID: catalog.yearly,
                validFrom: nil, validUntil: nil, usageLimit: 1, oncePerClient: false, createdAt: now
            ).create(on: app.db)
            try await PromoCodeRecord(
                code: "OLD", kind: .percent, value: 5_000, currency: nil, planID: nil, validFrom: nil,
                validUntil: "2025-12-31", usageLimit: nil, oncePerClient: false, createdAt: now
            ).create(on: app.db)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("300.00"), key: "t")
            let account = try await app.account(client.accountID)
            let pricing = OrderPricing(context: app.engine)
            let priced = try await pricing.price(
                .init(planID: catalog.monthly, period: .month, domainName: "a", promoCode: "tenoff"), for: account)
            #expect(priced.quote.discount == Money.eur("1.00"))
            #expect(priced.quote.dueNow.gross == Money.eur("9.00"))
            #expect(priced.quote.perPeriod.gross == Money.eur("10.00"))
            await #expect(throws: OrderError.promo(.expired)) {
                try await pricing.price(.init(planID: catalog.monthly, period: .month, domainName: "a", promoCode: "OLD"), for: account)
            }
            await #expect(throws: OrderError.promo(.otherPlan)) {
                try await pricing.price(.init(planID: catalog.monthly, period: .month, domainName: "a", promoCode: "YEARLY5"), for: account)
            }
            await #expect(throws: OrderError.promo(.unknown)) {
                try await pricing.price(.init(planID: catalog.monthly, period: .month, domainName: "a", promoCode: "NOPE"), for: account)
            }
            try await Cart(context: app.engine).add(
                .init(planID: catalog.monthly, period: .month, domainName: "a", promoCode: "TENOFF"), caller: .testClient(account))
            try await Cart(context: app.engine).add(
                .init(planID: catalog.yearly, period: .year, promoCode: "YEARLY5"), caller: .testClient(account))
            let order = try await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
            try await app.runJobs()
            #expect(order.total == Money.eur("104.00"))
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == Money.eur("196.00"))
            await #expect(throws: OrderError.promo(.alreadyUsed)) {
                try await pricing.price(.init(planID: catalog.monthly, period: .month, domainName: "b", promoCode: "TENOFF"), for: account)
            }
            let other = try await app.signUpClient(email: "other@example.com", country: "DE", currency: .EUR)
            await #expect(throws: OrderError.promo(.usedUp)) {
                try await pricing.price(
                    .init(planID: catalog.yearly, period: .year, promoCode: "YEARLY5"), for: try await app.account(other.accountID))
            }
        }
    }

    @Test func alignedBillingProratesTheFirstPeriodAsTheCartShows() async throws {
        try await TestEngine.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            var settings = BillingSettings()
            settings.alignment = .firstOfMonth
            settings.taxMode = .added
            try await settings.save(on: app.db)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("100.00"), key: "t")
            let account = try await app.account(client.accountID)
            let priced = try await OrderPricing(context: app.engine).price(
                .init(planID: catalog.monthly, period: .month, addons: [catalog.ram: 1536], domainName: "a"), for: account)
            // 15 January → 1 February: 17 of 31 days. Plan 10.00 → 5.48; RAM 512 MiB × 0.01 = 5.12 → 2.81.
            #expect(priced.quote.firstPeriodEnds == LocalDate(iso: "2026-02-01")!)
            #expect(priced.quote.lines.map(\.firstPeriod) == [Money.eur("5.48"), Money.eur("2.81")])
            #expect(priced.quote.dueNow.net == Money.eur("8.29"))
            #expect(priced.quote.dueNow.tax == Money.eur("1.58"))
            #expect(priced.quote.dueNow.gross == Money.eur("9.87"))
            #expect(priced.quote.perPeriod.gross == Money.eur("17.99")) // 15.12 + 19 % = 17.9928
            try await Cart(context: app.engine).add(priced.configuration, caller: .testClient(account))
            try await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
            try await app.runJobs()
            try await app.runDays(until: LocalDate(iso: "2026-02-01")!, clock: clock)
            let service = try await ServiceRecord.query(on: app.db).first()!
            #expect(service.expiresOn == "2026-03-01")
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == Money.eur("72.14")) // 100 − 9.87 − 17.99
        }
    }

    @Test func changingTheAccountCurrencyConvertsTheBalanceThroughTheLedger() async throws {
        try await TestEngine.run { app, _ in
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("100.50"), key: "t")
            let staff = try await StaffAccounts(context: app.engine).create(
                email: "boss@example.com", name: "Boss",
                password: "a long staff password", role: .administrator)
            let currencies = Currencies(context: app.engine)
            var account = try await app.account(client.accountID)
            await #expect(throws: CurrencyError.noRate(from: "EUR", to: "UAH")) {
                try await currencies.changeAccountCurrency(caller: .testClient(account), to: .UAH, requestKey: "k")
            }
            try await currencies.setRate(base: .EUR, quote: .UAH, rateMicros: 45_250_000, caller: .staff(staff, role: .administrator))
            await #expect(throws: CurrencyError.notPermitted) {
                try await currencies.setRate(base: .EUR, quote: .UAH, rateMicros: 1, caller: .staff(staff, role: .support))
            }
            try await currencies.changeAccountCurrency(caller: .testClient(account), to: .UAH, requestKey: "k")
            account = try await app.account(client.accountID)
            #expect(account.currency == .UAH)
            // 100.50 × 45.25 = 4547.625
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .UAH) == Money(minor: 454_763, .UAH))
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == .zero(.EUR))
            #expect(try await app.engine.ledger.total(of: .currencyExchange, in: .EUR) == Money.eur("100.50"))
            // Back at the inverse of the same rate.
            try await currencies.changeAccountCurrency(caller: .testClient(account), to: .EUR, requestKey: "k2")
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == Money.eur("100.50"))
        }
    }

    @Test func anAccountThatOwesMayNotChangeCurrencyUntilTheDebtIsPaid() async throws {
        try await TestEngine.run { app, _ in
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            let staff = try await StaffAccounts(context: app.engine).create(
                email: "boss@example.com", name: "Boss", password: "a long staff password", role: .administrator)
            try await BalanceAdjustments(context: app.engine).adjust(
                accountID: client.accountID, amount: Money.eur("-12.30"), reason: "Unpaid traffic",
                caller: .staff(staff, role: .administrator), idempotencyKey: "debt")
            let currencies = Currencies(context: app.engine)
            try await currencies.setRate(base: .EUR, quote: .UAH, rateMicros: 45_250_000, caller: .staff(staff, role: .administrator))
            let account = try await app.account(client.accountID)
            await #expect(throws: CurrencyError.debt(Money.eur("12.30"))) {
                try await currencies.changeAccountCurrency(caller: .testClient(account), to: .UAH, requestKey: "k")
            }
            #expect(try await app.account(client.accountID).currency == .EUR)
            #expect(try await app.engine.ledger.total(of: .currencyExchange, in: .EUR) == .zero(.EUR))
            // The spending rule says what the debt means for spending: nothing now, and the debt on top of a price.
            let power = try await app.engine.ledger.spendingPower(of: client.accountID, in: .EUR)
            #expect(power.balance == Money.eur("-12.30"))
            #expect(power.available == .zero(.EUR))
            #expect(power.shortfall(for: Money.eur("10.00")) == Money.eur("22.30"))
            // Once the debt is paid the change goes through.
            try await app.topUp(client.accountID, Money.eur("12.30"), key: "pay-debt")
            try await currencies.changeAccountCurrency(caller: .testClient(account), to: .UAH, requestKey: "k")
            #expect(try await app.account(client.accountID).currency == .UAH)
        }
    }
}
