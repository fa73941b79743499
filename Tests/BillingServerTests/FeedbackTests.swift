import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Testing
import VaporTesting

/// Pages say what happened and offer the next step (issue 11, item 13).
@Suite("Feedback that says what happened")
struct FeedbackTests {
    static func eur(_ text: String) -> Money { try! MoneyFormat.parse(text, currency: .EUR, language: .en) }

    @Test func actionsConfirmWhatTheyDidAndOrdersOfferTheNextStep() async throws {
        try await TestApp.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Self.eur("14.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let browser = Browser(app)
            try await browser.logIn()
            let path = "/services/\(service.id!.uuidString.lowercased())"
            _ = try await browser.get(path)
            let stopped = try await browser.post(path + "/stop", form: [:])
            #expect(stopped.location == path + "?notice=service_stopped")
            #expect(try await browser.get(try #require(stopped.location)).text.contains(#"role="alert">Service stopped.<"#))
            let period = try await browser.post(path + "/period", form: ["period": "year"])
            #expect(period.location == path + "?notice=period_changed_year")
            #expect(try await browser.get(try #require(period.location)).text.contains("Period changed to a year"))

            // Not enough on the balance: the order waits, and its row offers the top-up it needs.
            let order = try await browser.get("/order/\(catalog.monthly.uuidString.lowercased())")
            #expect(order.status == .ok)
            // The same plan was bought minutes ago: the form asks first, and buys nothing yet.
            let asked = try await browser.post(
                "/order/\(catalog.monthly.uuidString.lowercased())",
                form: ["period": "month", "domain": "web2", "action": "pay"])
            #expect(asked.status == .conflict)
            let first = try #require(try await OrderRecord.query(on: app.db).first())
            #expect(
                asked.testID("repeat-purchase-text")
                    == "You already ordered “VPS M” at 2026-01-15 11:00: order #\(first.number), Paid. Another one would be a second service, charged again."
            )
            #expect(asked.text.contains(#"<input type="hidden" name="domain" value="web2"/>"#))
            // Only the order form's own fields go back into the page, never a name from the request.
            let hostile = try await browser.post(
                "/order/\(catalog.monthly.uuidString.lowercased())",
                form: ["period": "month", "domain": "web2", "action": "pay", #"x"><b data-pwned>"#: "1"])
            #expect(hostile.status == .conflict)
            #expect(!hostile.text.contains("data-pwned"))
            #expect(try await OrderRecord.query(on: app.db).count() == 1)
            #expect(try await app.balance(client.accountID) == Self.eur("4.00"))
            // The client confirms: the order is placed (and waits: 4.00 does not cover 10.00).
            let pending = try await browser.post(
                "/order/\(catalog.monthly.uuidString.lowercased())",
                form: ["period": "month", "domain": "web2", "action": "pay", "repeat": "confirmed"])
            #expect(pending.location == "/orders?notice=order_pending")
            let orders = try await browser.get("/orders")
            // 4.00 left on the balance, the order is 10.00: 6.00 short.
            let waiting = try #require(try await OrderRecord.query(on: app.db).filter(\.$status == .pending).first())
            #expect(
                orders.text.contains(
                    #"data-testid="top-up" href="/payments/new?amount=6.00&for_order=\#(waiting.id!.uuidString.lowercased())">Top up €6.00<"#
                ))
            let orderPage = try await browser.get("/orders/\(waiting.id!.uuidString.lowercased())")
            #expect(orderPage.status == .ok)
            #expect(orderPage.text.contains(#"data-testid="order-status"><span class="tag tag-warn">Pending payment<"#))
            #expect(orderPage.text.contains(#"data-testid="order-total">€10.00<"#))
            #expect(orderPage.text.contains(#"data-testid="order-method">Personal account (balance)<"#))
            #expect(orderPage.text.contains("web2"))
            // Another client's order is not found.
            try await app.signUpClient(email: "bob@example.com", country: "DE", currency: .EUR)
            let bob = Browser(app)
            try await bob.logIn("bob@example.com")
            #expect(try await bob.get("/orders/\(waiting.id!.uuidString.lowercased())").status == .notFound)

            // The cart's count in the menu.
            _ = try await browser.get("/order/\(catalog.monthly.uuidString.lowercased())")
            _ = try await browser.post(
                "/order/\(catalog.monthly.uuidString.lowercased())", form: ["period": "month", "domain": "web3", "action": "cart"])
            #expect(try await browser.get("/dashboard").text.contains(#"data-testid="cart-count">1<"#))

            // A quarter of an hour after the last order, the same plan is bought without a question.
            clock.advance(by: 16 * 60)
            _ = try await browser.get("/order/\(catalog.monthly.uuidString.lowercased())")
            let later = try await browser.post(
                "/order/\(catalog.monthly.uuidString.lowercased())", form: ["period": "month", "domain": "web4", "action": "pay"])
            #expect(later.location == "/orders?notice=order_pending")
        }
    }

    @Test func aDeclinedCardOffersTryAgainAndTheRetryStartsANewSession() async throws {
        try await TestApp.run { app, _ in
            let method = try await app.cardMethod()
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            let flow = PaymentFlow(context: app.engine)
            let payment = try await flow.create(
                PaymentRequest(methodID: method, amount: Self.eur("20.00"), idempotencyKey: "k"), account: account)
            let first = try #require(
                try await flow.start(paymentID: payment.id, returnURL: "http://billing.test/r", cancelURL: "http://billing.test/c"))
            // The bank declines the card.
            let gateway = Sandbox.gateway(app)
            let session = try #require(gateway.session(fromToken: String(first.split(separator: "/").last!)))
            let (body, signature) = gateway.webhook(for: session, outcome: .fail, at: app.engine.clock.now)
            _ = try await GatewayWebhooks(context: app.engine).receive(
                gateway: "sandbox", body: body,
                headers: ["Sandbox-Signature": signature, "Content-Type": "application/json"])
            #expect(try await PaymentRecord.find(payment.id, on: app.db)?.status == .cancelled)
            let browser = Browser(app)
            try await browser.logIn()
            let result = try await browser.get("/payments/\(payment.id.uuidString.lowercased())/result")
            #expect(result.text.contains(#"data-testid="try-again""#))
            let again = try await browser.post("/payments/\(payment.id.uuidString.lowercased())/pay", form: [:])
            let second = try #require(again.location)
            #expect(second.hasPrefix("http://billing.test/sandbox-gateway/pay/"))
            #expect(second != first)
            #expect(try await PaymentRecord.find(payment.id, on: app.db)?.status == .beingPaid)
            let (paidBody, paidHeaders) = Sandbox.paid(app, redirect: second)
            #expect(
                try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: paidBody, headers: paidHeaders)
                    == .credited)
            #expect(try await app.balance(client.accountID) == Self.eur("20.00"))
        }
    }

    @Test func aTopUpMadeForAnOrderPaysTheOrderOnceTheMoneyIsIn() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let card = try await app.cardMethod()
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Self.eur("4.00"), key: "t")
            let browser = Browser(app)
            try await browser.logIn()
            _ = try await browser.get("/order/\(catalog.monthly.uuidString.lowercased())")
            let pending = try await browser.post(
                "/order/\(catalog.monthly.uuidString.lowercased())", form: ["period": "month", "domain": "web2", "action": "pay"])
            #expect(pending.location == "/orders?notice=order_pending")
            let order = try #require(try await OrderRecord.query(on: app.db).filter(\.$status == .pending).first())
            let orderID = order.id!.uuidString.lowercased()

            // The order's "Top up €6.00" opens the form with the amount and says what follows.
            let form = try await browser.get("/payments/new?amount=6.00&for_order=\(orderID)")
            #expect(
                form.testID("top-up-for-order")
                    == "This top-up is for order #\(order.number): once the money is in, the order is paid from the balance.")
            let fields = [
                "method": card.uuidString.lowercased(), "amount": "6.00", "payer": "self", "for_order": orderID, "key": "k-top-up-1"
            ]
            let confirm = try await browser.post("/payments/new", form: fields.merging(["action": "confirm"]) { $1 })
            #expect(confirm.text.contains(#"name="for_order" value="\#(orderID)""#))
            let sent = try await browser.post("/payments/new", form: fields.merging(["action": "pay"]) { $1 })
            let gatewayURL = try #require(sent.location)
            let payment = try #require(try await PaymentRecord.query(on: app.db).filter(\.$purpose == .topUp).first())
            #expect(payment.orderID == order.id)
            #expect(payment.amount == Self.eur("6.00").units)

            // The money comes in: the balance is topped up and the order paid from it, once.
            let (body, headers) = Sandbox.paid(app, redirect: gatewayURL)
            #expect(try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: body, headers: headers) == .credited)
            _ = try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: body, headers: headers)
            #expect(try await OrderRecord.find(order.id, on: app.db)?.status == .paid)
            #expect(try await app.balance(client.accountID) == Self.eur("0.00"))
            #expect(try await ServiceRecord.query(on: app.db).filter(\.$accountID == client.accountID).count() == 1)
            let result = try await browser.get("/payments/\(payment.id!.uuidString.lowercased())/result")
            #expect(result.testID("top-up-order") == "Order #\(order.number) is paid from the balance. Open the order")
            // The client got a receipt and an "order paid", once each, in the outbox's finance category.
            try await app.runJobs()
            let mail = try await app.deliveredMail(to: "anna@example.com").map(\.subject)
            #expect(mail.filter { $0 == "Payment #\(payment.number) received: €6.00" }.count == 1)
            #expect(mail.filter { $0 == "Order #\(order.number) is paid" }.count == 1)
            #expect(try await OutboxEmailRecord.query(on: app.db).filter(\.$category == .finance).count() == 2)
            // The order's page lists the top-up among its payments.
            #expect(try await browser.get("/orders/\(orderID)").text.contains("#\(payment.number)"))

            // A top-up for another account's order, or for an order no longer pending, is refused.
            await #expect(throws: OrderError.orderNotPending) {
                try await PaymentFlow(context: app.engine).create(
                    PaymentRequest(methodID: card, amount: Self.eur("5.00"), topUpFor: order.id, idempotencyKey: "k-again"),
                    account: try await app.account(client.accountID))
            }
            let bob = try await app.signUpClient(email: "bob@example.com", country: "DE", currency: .EUR)
            await #expect(throws: OrderError.orderNotFound) {
                try await PaymentFlow(context: app.engine).create(
                    PaymentRequest(methodID: card, amount: Self.eur("5.00"), topUpFor: order.id, idempotencyKey: "k-bob"),
                    account: try await app.account(bob.accountID))
            }
        }
    }

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
                    base: base, quote: quote, rateMicros: 1_000_000, staffID: UUID(), role: .administrator)
            }
            let changed = try await browser.post(
                "/finance/currency", form: ["currency": "USD", "key": "first-currency-1", "back": "/dashboard"])
            #expect(changed.location == "/dashboard?notice=currency_changed")
            #expect(try await app.account(client.accountID).currency == .USD)
            _ = try await browser.post("/finance/currency", form: ["currency": "EUR", "key": "first-currency-2", "back": "/dashboard"])

            // An order waits for payment (4.00 on the balance, 10.00 due): the steps give way to it.
            try await app.topUp(client.accountID, Self.eur("4.00"), key: "t")
            _ = try await browser.get("/order/\(catalog.monthly.uuidString.lowercased())")
            _ = try await browser.post(
                "/order/\(catalog.monthly.uuidString.lowercased())", form: ["period": "month", "domain": "web1", "action": "pay"])
            let order = try #require(try await OrderRecord.query(on: app.db).first())
            let waiting = try await browser.get("/dashboard")
            #expect(waiting.testID("first-steps") == nil)
            #expect(waiting.testIDs("dashboard-unpaid-order") == ["Order #\(order.number) · €10.00"])

            // Paid: nothing waits; three weeks later the service expires within two weeks.
            try await app.topUp(client.accountID, Self.eur("6.00"), key: "t2")
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
