import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Testing

/// Every use case that acts for an account takes the `Caller` and refuses one without the right
/// before it looks anything up (docs/DESIGN.md, "Rights"): the web, the API and a later bot get
/// the same 403 from the same check. A caller with no rights at all is refused each of them here,
/// and nothing is written.
@Suite("The engine checks the caller's rights")
struct CallerRightsTests {
    @Test func aCallerWithoutRightsIsRefusedEveryUseCaseAndNothingChanges() async throws {
        try await TestEngine.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let method = try await app.cardMethod()
            let anna = try await app.account(try await app.signUpClient(country: "DE", currency: .EUR).accountID)
            let nobody = Caller.user(UUID(), of: anna, rights: [])
            let id = UUID()
            let config = OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web")
            let refusals: [(String, () async throws -> Void)] = [
                ("cart.add", { _ = try await Cart(context: app.engine).add(config, caller: nobody) }),
                ("cart.lines", { _ = try await Cart(context: app.engine).lines(caller: nobody) }),
                ("orders.checkout", { _ = try await Orders(context: app.engine).checkout(caller: nobody, payFromBalance: true) }),
                ("orders.list", { _ = try await Orders(context: app.engine).list(caller: nobody, status: .pending) }),
                ("orders.pay", { try await Orders(context: app.engine).pay(orderID: id, caller: nobody) }),
                ("orders.cancel", { try await Orders(context: app.engine).cancel(orderID: id, caller: nobody) }),
                ("orders.renew", { _ = try await Orders(context: app.engine).requestRenewal(serviceID: id, caller: nobody) }),
                (
                    "payments.create",
                    {
                        _ = try await PaymentFlow(context: app.engine).create(
                            PaymentRequest(methodID: method, amount: Money.eur("10.00"), idempotencyKey: "k"), caller: nobody)
                    }
                ),
                (
                    "payments.list",
                    { _ = try await PaymentFlow(context: app.engine).list(caller: nobody, filter: .all, page: .init(number: 1)) }
                ),
                ("payments.find", { _ = try await PaymentFlow(context: app.engine).find(id, caller: nobody) }),
                ("payments.delete", { try await PaymentFlow(context: app.engine).delete(paymentID: id, caller: nobody) }),
                ("payments.payers", { _ = try await PaymentFlow(context: app.engine).payers(caller: nobody) }),
                ("methods.list", { _ = try await SavedMethods(context: app.engine).list(caller: nobody) }),
                ("methods.rename", { try await SavedMethods(context: app.engine).rename(id, to: "Visa", caller: nobody) }),
                ("methods.delete", { _ = try await SavedMethods(context: app.engine).delete(id, caller: nobody) }),
                ("renewals.list", { _ = try await SavedMethods(context: app.engine).renewals(caller: nobody) }),
                (
                    "renewals.set",
                    {
                        try await SavedMethods(context: app.engine).setRenewal(
                            serviceID: id, savedMethodID: nil, autoRenew: true, caller: nobody)
                    }
                ),
                ("autopay.overview", { _ = try await Autopayments(context: app.engine).overview(caller: nobody) }),
                (
                    "autopay.save",
                    {
                        try await Autopayments(context: app.engine).save(
                            caller: nobody, savedMethodID: id, monthlyMaximum: Money.eur("10.00"), enabled: true)
                    }
                ),
                (
                    "currency.change",
                    { try await Currencies(context: app.engine).changeAccountCurrency(caller: nobody, to: .USD, requestKey: "k") }
                ),
                (
                    "expenses.page",
                    { _ = try await ExpenseHistory(context: app.engine).page(caller: nobody, filter: .init(), page: .init(number: 1)) }
                ),
                ("expenses.csv", { _ = try await ExpenseHistory(context: app.engine).csv(caller: nobody, filter: .init()) }),
                (
                    "services.list",
                    { _ = try await ServiceLifecycle(context: app.engine).list(caller: nobody, filter: .init(), page: .init(number: 1)) }
                ),
                ("services.one", { _ = try await ServiceLifecycle(context: app.engine).service(id, caller: nobody) }),
                ("services.expiring", { _ = try await ServiceLifecycle(context: app.engine).expiringSoon(caller: nobody) }),
                (
                    "services.resources",
                    {
                        try await ServiceLifecycle(context: app.engine).changeResources(
                            serviceID: id, addons: [:], caller: nobody, requestKey: "k")
                    }
                )
            ]
            for (name, call) in refusals {
                await #expect(throws: PlainRefusal.forbidden, "\(name)") { try await call() }
            }
            // Staff rights: support may neither move money nor set rates; nor may a client.
            let support = Caller.staff(UUID(), role: .support)
            await #expect(throws: AdjustmentError.notPermitted) {
                try await BalanceAdjustments(context: app.engine).adjust(
                    accountID: anna.id, amount: Money.eur("5.00"), reason: "r", caller: support, idempotencyKey: "a")
            }
            await #expect(throws: CurrencyError.notPermitted) {
                try await Currencies(context: app.engine).setRate(base: .EUR, quote: .USD, rateMicros: 1_100_000, caller: .testClient(anna))
            }
            // The catalog and payment methods are for staff who manage them.
            let catalogCalls: [(String, () async throws -> Void)] = [
                ("plan", { _ = try await Catalog(context: app.engine).savePlan(.init(productType: .vps, name: "X"), caller: support) }),
                (
                    "price",
                    {
                        try await Catalog(context: app.engine).setPrice(
                            ownerID: catalog.monthly, period: .month, amount: .zero(.EUR), caller: support)
                    }
                ),
                (
                    "promo",
                    {
                        _ = try await PromoCodes(context: app.engine).create(
                            PromoCodeForm(code: "FREE", kind: .percent, value: Money(major: 10, .EUR)), caller: .testClient(anna))
                    }
                ),
                (
                    "method",
                    {
                        _ = try await PaymentMethods(context: app.engine).save(
                            PaymentMethodForm(kind: .sandbox, name: "Card", currency: .EUR), caller: support)
                    }
                )
            ]
            for (name, call) in catalogCalls {
                await #expect(throws: PlainRefusal.forbidden, "\(name)") { try await call() }
            }
            #expect(
                try await Catalog(context: app.engine).offer(planID: catalog.monthly, currency: .EUR)?.prices[.month] == Money.eur("10.00"))
            #expect(try await OrderItemRecord.query(on: app.db).count() == 0)
            #expect(try await PaymentRecord.query(on: app.db).count() == 0)
            #expect(try await CurrencyRateRecord.query(on: app.db).count() == 0)
            #expect(try await app.balance(anna.id) == .zero(.EUR))
        }
    }
}
