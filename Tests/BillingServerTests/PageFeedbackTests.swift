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

/// Lists past their end, amounts read one way, refusals that name the problem, actions that say what they did.
@Suite("Lists, amounts and what pages say")
struct PageFeedbackTests {
    @Test func hugePageNumbersShowTheLastPageOrARefusalAndNeverStopTheServer() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let browser = Browser(app)
            try await browser.logIn()
            for path in ["/services", "/payments", "/finance/expenses", "/finance/balance"] {
                for page in ["999999999999999999", "99999999999999999999999", "-5", "abc", "1000001"] {
                    let response = try await browser.get("\(path)?page=\(page)")
                    #expect(response.status == .ok, "\(path)?page=\(page)")
                }
            }
            // Past the end, a web list shows its last page: the one service is there.
            let services = try await browser.get("/services?type=vps&page=999999999999999999")
            #expect(services.text.contains("web1"))
            let staff = try await Browser.staff(app)
            for path in ["/admin", "/admin/payments", "/admin/clients/\(client.accountID.uuidString.lowercased())"] {
                #expect(try await staff.get("\(path)?page=999999999999999999").status == .ok, "\(path)")
            }

            var api = try await APIClient.logIn(app)
            api.language = "ru"
            for query in ["page=2129879143930754560&per_page=193", "page=1&per_page=201", "page=0", "page=1000001", "per_page=0"] {
                let response = try await api.send(.GET, "/v1/payments?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                let error = try #require(try APIClient.object(response)["error"] as? [String: Any])
                #expect(error["code"] as? String == "invalid_page")
                #expect(error["message"] as? String == "page должен быть от 1 до 1000000, а per_page — от 1 до 200.")
            }
            #expect(try await api.send(.GET, "/v1/ledger?page=99999999999").status == .badRequest)
            #expect(try await api.send(.GET, "/v1/ledger?page=1000000&per_page=200").status == .ok)

            // A quantity within limits staff set too wide, times its price, is refused, not trapped.
            let huge = try await Catalog(context: app.engine).saveAddon(
                .init(
                    kind: .disk, name: "Disk", included: 0, minimum: 0,
                    maximum: Int.max, step: 1), planID: catalog.monthly, caller: .testStaff)
            try await Catalog(context: app.engine).setPrice(ownerID: huge, period: .month, amount: Money.eur("1000.00"), caller: .testStaff)
            _ = try await browser.get("/order/\(catalog.monthly.uuidString.lowercased())")
            let tooBig = try await browser.post(
                "/order/\(catalog.monthly.uuidString.lowercased())",
                form: [
                    "period": "month", "domain": "web9", "action": "pay",
                    "addon.\(huge.uuidString.lowercased())": "9223372036854775807"
                ])
            #expect(tooBig.status == .unprocessableEntity)
            #expect(tooBig.text.contains("This configuration would cost more than €1,000,000,000.00 a period"))
            #expect(try await app.testing().sendRequest(.GET, "/health").status == .ok)
        }
    }

    @Test func currencyChangeWaitsForPendingOrdersAndAmountsAreReadOneWay() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            let staff = try await Browser.staff(app)
            try await Currencies(context: app.engine).setRate(
                base: .EUR, quote: .UAH, rateMicros: 45_000_000, caller: .testStaff)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web1"), caller: .testClient(account))
            _ = try? await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
            #expect(try await OrderRecord.query(on: app.db).filter(\.$status == .pending).count() == 1)
            let browser = Browser(app)
            try await browser.logIn()
            let balance = try await browser.get("/finance/balance")
            #expect(balance.text.contains("data-confirm=\"Change the account currency?"))
            let refused = try await browser.post("/finance/currency", form: ["currency": "UAH", "key": "fx-1"])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("The currency was not changed: 1 order(s) priced in EUR still wait for payment."))
            #expect(try await app.account(client.accountID).currency == .EUR)

            // One parser: "10,555" is refused with an example, "10,5" is ten and a half, in any form.
            let method = try await app.cardMethod()
            _ = try await browser.get("/payments/new")
            let ambiguous = try await browser.post(
                "/payments/new",
                form: [
                    "method": method.uuidString.lowercased(), "amount": "10,555",
                    "action": "confirm", "payer": "self"
                ])
            #expect(ambiguous.status == .unprocessableEntity)
            #expect(ambiguous.text.contains("“10,555” can be read two ways. Type the amount like 1234.56, without thousands separators."))
            let half = try await browser.post(
                "/payments/new",
                form: [
                    "method": method.uuidString.lowercased(), "amount": "10,5",
                    "action": "confirm", "payer": "self"
                ])
            #expect(half.testID("confirm-total") == "€10.50")
            let huge = try await browser.post(
                "/payments/new",
                form: [
                    "method": method.uuidString.lowercased(), "amount": "999999999999999",
                    "action": "confirm", "payer": "self"
                ])
            #expect(huge.text.contains("The amount is too large: at most €1,000,000,000.00."))

            // Staff: a balance cannot be pushed past what the ledger can sum.
            let cardPath = "/admin/clients/\(client.accountID.uuidString.lowercased())"
            _ = try await staff.get(cardPath)
            let tooMuch = try await staff.post(
                cardPath + "/adjust", form: ["amount": "99 999 999 999 999.99", "reason": "test", "key": "big"])
            #expect(tooMuch.status == .unprocessableEntity)
            #expect(tooMuch.text.contains("The amount is too large"))
            for index in 0..<100 {
                try await BalanceAdjustments(context: app.engine).adjust(
                    accountID: client.accountID, amount: MoneyLimits.maximumAmount.money(.EUR),
                    reason: "fill", caller: .testStaff,
                    idempotencyKey: "fill-\(index)")
            }
            await #expect(
                throws: AdjustmentError.beyondLimits(
                    maximumAmount: MoneyLimits.maximumAmount.money(.EUR),
                    maximumBalance: MoneyLimits.maximumBalance.money(.EUR))
            ) {
                try await BalanceAdjustments(context: app.engine).adjust(
                    accountID: client.accountID, amount: Money.eur("0.01"),
                    reason: "one more", caller: .testStaff,
                    idempotencyKey: "over")
            }
            // The account still answers.
            #expect(try await browser.get("/dashboard").status == .ok)
            #expect(try await app.balance(client.accountID) == MoneyLimits.maximumBalance.money(.EUR))
        }
    }

    @Test func refusalsNameWhatIsWrongAndPagesSayWhatIsTrue() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let account = try await app.account(client.accountID)
            let method = try await app.cardMethod()
            let payment = try await PaymentFlow(context: app.engine).create(
                PaymentRequest(
                    methodID: method, amount: Money.eur("50.00"),
                    idempotencyKey: "p"), caller: .testClient(account))
            let url = try #require(try await PaymentFlow(context: app.engine).start(paymentID: payment.id, returnURL: "r", cancelURL: "c"))
            let (body, headers) = Sandbox.paid(app, redirect: url)
            _ = try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: body, headers: headers)

            let staff = try await Browser.staff(app)
            let paymentPath = "/admin/payments/\(payment.id.uuidString.lowercased())"
            for amount in ["0", "-1"] {
                _ = try await staff.get(paymentPath)
                let refund = try await staff.post(paymentPath + "/refund", form: ["amount": amount, "reason": "test", "key": "k\(amount)"])
                #expect(refund.text.contains("The amount must be greater than zero"), "\(amount)")
            }
            let noReason = try await staff.post(paymentPath + "/refund", form: ["amount": "5.00", "reason": "", "key": "k5"])
            #expect(noReason.text.contains("Give a reason for the refund"))
            #expect(try await RefundRecord.query(on: app.db).count() == 0)
            // The reason labelled "the client sees it" is shown to the client with the refund.
            let done = try await staff.post(paymentPath + "/refund", form: ["amount": "5.00", "reason": "Unused days", "key": "k6"])
            #expect(done.location == paymentPath + "?notice=payment_refunded")

            // A plan with no price yet is not on sale, and staff see why.
            let unpriced = try await Catalog(context: app.engine).savePlan(
                .init(productType: .vps, name: "VPS Unpriced"), caller: .testStaff)
            let browser = Browser(app)
            try await browser.logIn()
            let refunded = try await browser.get("/payments/\(payment.id.uuidString.lowercased())")
            #expect(refunded.text.contains(#"<td class="num">€5.00</td><td>Unused days</td>"#))
            #expect(!(try await browser.get("/order?type=vps").text.contains("VPS Unpriced")))
            #expect(try await browser.get("/order/\(unpriced.uuidString.lowercased())").status == .notFound)
            let catalogPage = try await staff.get("/admin/catalog")
            #expect(catalogPage.text.contains("Hidden: no price yet"))

            // A resource amount that is not a number says so.
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let servicePath = "/services/\(service.id!.uuidString.lowercased())"
            _ = try await browser.get(servicePath)
            let abc = try await browser.post(servicePath + "/resources", form: ["addon.\(catalog.ram.uuidString.lowercased())": "abc"])
            #expect(abc.text.contains("Resource amounts must be whole numbers, e.g. 2048."))

            // "Run today's pass" says what it did.
            _ = try await staff.get("/admin/billing")
            let ran = try await staff.post("/admin/billing/run", form: [:])
            #expect(ran.location?.hasPrefix("/admin/billing?notice=run_done&renewed=0") == true)
            let again = try await staff.post("/admin/billing/run", form: [:])
            #expect(again.location == "/admin/billing?notice=run_already_done")
            let afterRun = try await staff.get(try #require(ran.location))
            #expect(afterRun.text.contains("Today's billing pass ran: 0 renewed, 0 expired, 0 deleted."))
            // The job list reads as words, not as the stored JSON.
            #expect(
                afterRun.testID("job-summary")
                    == "Renewed 0, resumed 0, expired 0, deleted 0; autopayments 0; notices 0; charged \(MoneyFormat.format(.zero(.EUR), language: .en))"
            )

            // A promo code that would end before it starts is refused.
            let promo = try await staff.post(
                "/admin/billing/promos",
                form: [
                    "code": "BACKWARDS", "kind": "percent", "value": "10",
                    "valid_from": "2027-01-01", "valid_until": "2026-01-01"
                ])
            #expect(promo.status == .unprocessableEntity)
            #expect(promo.text.contains("would end before it starts"))
            #expect(try await PromoCodeRecord.query(on: app.db).count() == 0)

            // Autopayment that was never set up is shown off; a deleted service's auto-renewal is off.
            let autopay = try await browser.get("/finance/autopay")
            #expect(autopay.text.contains(#"data-testid="autopay-status"><span class="tag tag-muted">Autopayment is off<"#))
            try await ServiceLifecycle(context: app.engine).delete(serviceID: service.id!, caller: .testClient(account))
            try await app.runJobs()
            let deleted = try await browser.get(servicePath)
            #expect(deleted.text.contains(#"data-testid="service-auto-renew">Off<"#))

            // The country list holds countries only.
            let signUp = try await Browser(app).get("/signup")
            #expect(signUp.text.contains(#"<option value="DE""#))
            for code in ["EU", "EZ", "UN", "QO"] { #expect(!signUp.text.contains(#"<option value="\#(code)""#), "\(code)") }
        }
    }

    @Test func actionsConfirmWhatTheyDidAndOrdersOfferTheNextStep() async throws {
        try await TestApp.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("14.00"), key: "t")
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
                    == "You already ordered “VPS M” at 2026-01-15 11:00: order #\(first.number), paid. Another one would be a second service, charged again."
            )
            #expect(asked.text.contains(#"<input type="hidden" name="domain" value="web2"/>"#))
            // Only the order form's own fields go back into the page, never a name from the request.
            let hostile = try await browser.post(
                "/order/\(catalog.monthly.uuidString.lowercased())",
                form: ["period": "month", "domain": "web2", "action": "pay", #"x"><b data-pwned>"#: "1"])
            #expect(hostile.status == .conflict)
            #expect(!hostile.text.contains("data-pwned"))
            #expect(try await OrderRecord.query(on: app.db).count() == 1)
            #expect(try await app.balance(client.accountID) == Money.eur("4.00"))
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
}
