import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Testing
import VaporTesting

@Suite("Payment pages and the webhook endpoint through the router")
struct PaymentPagesTests {
    static func eur(_ text: String) -> Money { try! MoneyFormat.parse(text, currency: .EUR, language: .en) }

    @Test func theFlowShowsExactAmountsRefusesBadInputAndHidesOtherClientsInvoices() async throws {
        try await TestApp.run { app, _ in
            let method = try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(
                    kind: .sandbox, name: "Card", currency: .EUR, commissionPercent: Percentage(basisPoints: 250),
                    commissionFixed: Self.eur("0.30"), minimum: Self.eur("5.00")))
            try await app.signUpClient(country: "DE", currency: .EUR)
            let browser = Browser(app)
            try await browser.logIn()
            let id = method.uuidString.lowercased()
            let confirm = try await browser.post(
                "/payments/new", form: ["method": id, "amount": "100.00", "action": "confirm", "payer": "self"])
            #expect(confirm.status == .ok)
            #expect(confirm.text.contains("€2.80"))
            #expect(confirm.text.contains("€102.80"))
            let small = try await browser.post("/payments/new", form: ["method": id, "amount": "4.99", "action": "pay", "payer": "self"])
            #expect(small.status == .unprocessableEntity)
            #expect(small.text.contains("This method accepts at least €5.00."))
            let nonsense = try await browser.post("/payments/new", form: ["method": id, "amount": "abc", "action": "pay", "payer": "self"])
            #expect(nonsense.text.contains("The amount is not a number; type it like 1234.56."))
            #expect(try await PaymentRecord.query(on: app.db).count() == 0)

            let paid = try await browser.post(
                "/payments/new",
                form: [
                    "method": id, "amount": "100.00", "action": "pay", "payer": "self",
                    "key": "0123456789abcdef0123"
                ])
            #expect(paid.status == .seeOther)
            #expect(paid.headers.first(name: .location)?.hasPrefix("http://billing.test/sandbox-gateway/pay/") == true)
            let payment = try #require(try await PaymentRecord.query(on: app.db).first())
            #expect(payment.total == Self.eur("102.80").units)

            // Another client: the invoice is a 404, and its delete does nothing.
            try await app.signUpClient(email: "bob@example.com", country: "DE", currency: .EUR)
            let bob = Browser(app)
            try await bob.logIn("bob@example.com")
            #expect(try await bob.get("/payments/\(payment.id!.uuidString.lowercased())").status == .notFound)
            #expect(try await bob.post("/payments/\(payment.id!.uuidString.lowercased())/delete", form: [:]).status == .notFound)
            #expect(try await PaymentRecord.find(payment.id!, on: app.db)?.status == "being_paid")

            // A forged webhook is refused with 400 and changes nothing.
            let forged =
                #"{"id":"evt_x","type":"payment.succeeded","data":{"reference":"\#(payment.id!.uuidString.lowercased())","payment_id":"p","amount":10280,"currency":"EUR"}}"#
            try await app.testing().test(
                .POST, "/webhooks/sandbox",
                beforeRequest: { req in
                    req.headers.replaceOrAdd(name: "Sandbox-Signature", value: "t=\(Int(app.engine.clock.now.timeIntervalSince1970)),v1=00")
                    req.headers.contentType = .json
                    req.body = .init(string: forged)
                },
                afterResponse: { response in
                    #expect(response.status == .badRequest)
                })
            #expect(try await PaymentRecord.find(payment.id!, on: app.db)?.status == "being_paid")
            #expect(try await app.engine.ledger.balance(of: payment.accountID, in: .EUR) == .zero(.EUR))
        }
    }

    @Test func anOrderShowsTheMethodItIsFixedToAndIsPaidThroughIt() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let card = try await app.cardMethod(percent: 250)
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            let account = try await app.account(client.accountID)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web"), account: account)
            let order = try await Orders(context: app.engine).checkout(
                account: account, payFromBalance: false,
                paymentMethod: card.uuidString.lowercased(), actor: .testClient)
            let browser = Browser(app)
            try await browser.logIn()
            let page = try await browser.get("/orders")
            #expect(page.status == .ok)
            #expect(page.text.contains("<th>Payment method</th>"))
            #expect(page.text.contains("<td>Card</td>"))
            #expect(page.text.contains("Pay with Card"))
            #expect(!page.text.contains("Pay from balance"))
            #expect(page.text.contains("€10.00"))
            let pay = try await browser.post("/orders/\(order.id.uuidString.lowercased())/pay", form: [:])
            #expect(pay.location == "/payments/new?order=\(order.id.uuidString.lowercased())&method=\(card.uuidString.lowercased())")
            let form = try await browser.get(try #require(pay.location))
            #expect(form.text.contains("€10.00"))
            #expect(try await OrderRecord.find(order.id, on: app.db)?.status == "pending")
        }
    }
}
