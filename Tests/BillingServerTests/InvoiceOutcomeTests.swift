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

/// Invoices and pay links: what they show, what they save, and what a payment leads to.
@Suite("Invoices, pay links and what a payment leads to")
struct InvoiceOutcomeTests {
    @Test func aPayLinkPaymentNeverSavesTheCard() async throws {
        try await TestApp.run { app, _ in
            let method = try await app.cardMethod()
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let browser = Browser(app)
            try await browser.logIn()
            let id = method.uuidString.lowercased()
            _ = try await browser.get("/payments/new")
            let created = try await browser.post(
                "/payments/new",
                form: [
                    "method": id, "amount": "20.00", "action": "pay", "payer": "self",
                    "save": "on", "key": "remember-card-key-0001"
                ])
            #expect(created.status == .seeOther)
            let payment = try #require(try await PaymentRecord.query(on: app.db).first())
            #expect(payment.saveMethod)
            let detail = try await browser.get("/payments/\(payment.id!.uuidString.lowercased())")
            let linkStart = try #require(detail.text.range(of: #"id="pay-link" value=""#))
            let link = String(detail.text[linkStart.upperBound...].prefix { $0 != "\"" })
            let path = String(link.dropFirst("http://billing.test".count))

            let stranger = Browser(app)
            #expect(try await stranger.get(path).status == .ok)
            let started = try await stranger.post(path, form: [:])
            let redirect = try #require(started.location)
            let (body, headers) = Sandbox.paid(app, redirect: redirect, card: "4000000000000341")
            #expect(try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: body, headers: headers) == .credited)
            #expect(try await app.balance(client.accountID) == Money.eur("20.00"))
            #expect(try await SavedMethodRecord.query(on: app.db).count() == 0)
            #expect(try await PaymentRecord.find(payment.id!, on: app.db)?.saveMethod == false)
        }
    }

    @Test func bankTransferInvoicesCarryTheSellersDetailsAndAReference() async throws {
        try await TestApp.run { app, _ in
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(kind: .bankTransfer, name: "Bank transfer", currency: .EUR), caller: .testStaff)
            let bank = try #require(try await PaymentMethods(context: app.engine).all().first { $0.kind == .bankTransfer })
            let payment = try await PaymentFlow(context: app.engine).create(
                PaymentRequest(
                    methodID: bank.id, amount: Money.eur("120.00"),
                    idempotencyKey: "b1"), caller: .testClient(account))
            let browser = Browser(app)
            try await browser.logIn()
            let path = "/payments/\(payment.id.uuidString.lowercased())"
            // Until staff enter the details, the invoice says so instead of showing nothing.
            #expect(try await browser.get(path).text.contains(#"data-testid="bank-details-missing""#))

            let staff = try await Browser.staff(app)
            _ = try await staff.get("/admin/billing")
            let saved = try await staff.post(
                "/admin/billing/seller",
                form: [
                    "seller.legal_name": "Demo Hosting GmbH", "seller.address": "Hauptstraße 1, 10115 Berlin",
                    "seller.tax_id": "DE123456789",
                    "seller.bank_name": "Berliner Bank", "seller.account": "DE89 3704 0044 0532 0130 00", "seller.bank_code": "COBADEFFXXX"
                ])
            #expect(saved.location == "/admin/billing?notice=seller_saved")
            let tooLong = try await staff.post("/admin/billing/seller", form: ["seller.legal_name": String(repeating: "x", count: 201)])
            #expect(tooLong.status == .unprocessableEntity)
            #expect(try await SellerDetails.load(on: app.db).legalName == "Demo Hosting GmbH")

            let reference = "INV-\(payment.number) C-\(client.clientCode)"
            for page in [try await browser.get(path), try await browser.get(path + "/invoice")] {
                #expect(page.text.contains(#"data-testid="bank-recipient">Demo Hosting GmbH<"#))
                #expect(page.text.contains(#"data-testid="bank-account">DE89 3704 0044 0532 0130 00<"#))
                #expect(page.text.contains(#"data-testid="bank-code">COBADEFFXXX<"#))
                #expect(page.text.contains(#"data-testid="bank-reference">\#(reference)<"#))
                #expect(page.text.contains(#"data-testid="bank-amount">€120.00<"#))
            }
            let printable = try await browser.get(path + "/invoice")
            #expect(printable.text.contains("data-print=\"print\""))
            #expect(!printable.text.contains("onclick"))

            // The pay link, opened by a bookkeeper who is not logged in: the same details and
            // reference, and nothing else of the account (no name, no e-mail, no balance).
            let detail = try await browser.get(path)
            let linkStart = try #require(detail.text.range(of: #"id="pay-link" value=""#))
            let payLink = String(detail.text[linkStart.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(
                of: "http://billing.test", with: "")
            let outsider = try await Browser(app).get(payLink)
            #expect(outsider.status == .ok)
            #expect(outsider.text.contains(#"data-testid="bank-account">DE89 3704 0044 0532 0130 00<"#))
            #expect(outsider.text.contains(#"data-testid="bank-reference">\#(reference)<"#))
            #expect(outsider.text.contains(#"data-testid="bank-amount">€120.00<"#))
            #expect(!outsider.text.contains("anna@example.com"))
            #expect(!outsider.text.contains("Anna Client"))
            // Once paid, the link no longer asks for a transfer.
            try await PaymentFlow(context: app.engine).confirmBankTransfer(
                paymentID: payment.id, receipt: .init(reference: "TRX-1"), caller: .testStaff)
            #expect(!(try await Browser(app).get(payLink).text.contains(#"data-testid="bank-details""#)))
        }
    }

    /// Found by a probe: payments started at once for a new payer of the same name made duplicate
    /// payer rows. Now the account has one payer of that kind and name, and every payment names it.
    @Test func paymentsStartedAtOnceForANewPayerMakeOnePayer() async throws {
        try await TestApp.run { app, _ in
            let bank = try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(kind: .bankTransfer, name: "Bank", currency: .EUR, payerKinds: [.company]), caller: .testStaff)
            let client = try await app.signUpClient(currency: .EUR)
            let account = try await app.account(client.accountID)
            let flow = PaymentFlow(context: app.engine)
            let payments = try await withThrowingTaskGroup(of: Payment.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await flow.create(
                            PaymentRequest(
                                methodID: bank, amount: Money.eur("30.00"), payer: .new(kind: .company, name: "Anna LLC"),
                                idempotencyKey: "p\(index)"), caller: .testClient(account))
                    }
                }
                return try await group.reduce(into: [Payment]()) { $0.append($1) }
            }
            #expect(payments.count == 8)
            let payers = try await PayerRecord.query(on: app.db).all()
            #expect(payers.map(\.name) == ["Anna LLC"])
            let named = try await PaymentRecord.query(on: app.db).all().map(\.payerID)
            #expect(named.count == 8)
            #expect(Set(named) == [payers.first?.id])
        }
    }

    @Test func aDeclinedCardOffersTryAgainAndTheRetryStartsANewSession() async throws {
        try await TestApp.run { app, _ in
            let method = try await app.cardMethod()
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            let flow = PaymentFlow(context: app.engine)
            let payment = try await flow.create(
                PaymentRequest(methodID: method, amount: Money.eur("20.00"), idempotencyKey: "k"), caller: .testClient(account))
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
            #expect(try await app.balance(client.accountID) == Money.eur("20.00"))
        }
    }

    @Test func aTopUpMadeForAnOrderPaysTheOrderOnceTheMoneyIsIn() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let card = try await app.cardMethod()
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("4.00"), key: "t")
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
            #expect(payment.amount == Money.eur("6.00").units)

            // The money comes in: the balance is topped up and the order paid from it, once.
            let (body, headers) = Sandbox.paid(app, redirect: gatewayURL)
            #expect(try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: body, headers: headers) == .credited)
            _ = try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: body, headers: headers)
            #expect(try await OrderRecord.find(order.id, on: app.db)?.status == .paid)
            #expect(try await app.balance(client.accountID) == Money.eur("0.00"))
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
                    PaymentRequest(methodID: card, amount: Money.eur("5.00"), topUpFor: order.id, idempotencyKey: "k-again"),
                    caller: .testClient(try await app.account(client.accountID)))
            }
            let bob = try await app.signUpClient(email: "bob@example.com", country: "DE", currency: .EUR)
            await #expect(throws: OrderError.orderNotFound) {
                try await PaymentFlow(context: app.engine).create(
                    PaymentRequest(methodID: card, amount: Money.eur("5.00"), topUpFor: order.id, idempotencyKey: "k-bob"),
                    caller: .testClient(try await app.account(bob.accountID)))
            }
        }
    }
}
