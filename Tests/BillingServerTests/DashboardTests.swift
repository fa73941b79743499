import BillingDemo
import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// What the dashboard shows a newcomer and, later, what waits and what expires.
@Suite("The dashboard")
struct DashboardTests {
    @Test func theDashboardShowsANewcomerTheFirstStepsAndLaterWhatWaitsAndWhatExpires() async throws {
        try await TestApp.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let browser = Browser(app)
            try await browser.logIn()
            let first = try await browser.get("/dashboard")
            #expect(first.testID("first-steps") != nil)
            #expect(first.text.contains(#"data-testid="dashboard-top-up" href="/payments/new""#))
            #expect(first.testID("dashboard-unpaid") == nil)
            // The currency, chosen from the dashboard, before anything was paid (and back).
            for (base, quote) in [(Currency.EUR, Currency.USD), (.USD, .EUR)] {
                try await Currencies(context: app.engine).setRate(
                    base: base, quote: quote, rateMicros: 1_000_000, caller: .testStaff)
            }
            let changed = try await browser.post(
                "/finance/currency", form: ["currency": "USD", "key": "first-currency-1", "back": "/dashboard"])
            #expect(changed.location == "/dashboard?notice=currency_changed")
            #expect(try await app.account(client.accountID).currency == .USD)
            _ = try await browser.post("/finance/currency", form: ["currency": "EUR", "key": "first-currency-2", "back": "/dashboard"])

            // An order waits for payment (4.00 on the balance, 10.00 due): the steps give way to it.
            try await app.topUp(client.accountID, Money.eur("4.00"), key: "t")
            _ = try await browser.get("/order/\(catalog.monthly.uuidString.lowercased())")
            _ = try await browser.post(
                "/order/\(catalog.monthly.uuidString.lowercased())", form: ["period": "month", "domain": "web1", "action": "pay"])
            let order = try #require(try await OrderRecord.query(on: app.db).first())
            let waiting = try await browser.get("/dashboard")
            #expect(waiting.testID("first-steps") == nil)
            #expect(waiting.testIDs("dashboard-unpaid-order") == ["Order #\(order.number) · €10.00"])

            // Paid: nothing waits; three weeks later the service expires within two weeks.
            try await app.topUp(client.accountID, Money.eur("6.00"), key: "t2")
            _ = try await browser.get("/orders")
            _ = try await browser.post("/orders/\(order.id!.uuidString.lowercased())/pay", form: [:])
            try await app.runJobs()
            let service = try #require(try await ServiceRecord.query(on: app.db).first())
            #expect(service.expiresOn == "2026-02-15")
            #expect(try await browser.get("/dashboard").testID("dashboard-expiring") == nil)
            clock.advance(days: 21)
            try await browser.logIn()
            let soon = try await browser.get("/dashboard")
            #expect(soon.testID("dashboard-unpaid") == nil)
            #expect(soon.testIDs("dashboard-expiring-service") == ["VPS M #\(service.number) · web1 · renews on 2026-02-15"])
        }
    }
}
