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
    @Test func methodNamesAndTermsReadInTheClientsLanguage() async throws {
        try await TestApp.run { app, _ in
            let staff = try await Browser.staff(app)
            _ = try await staff.get("/admin/payment-methods")
            let saved = try await staff.post(
                "/admin/payment-methods",
                form: [
                    "name": "Bank card", "name.ru": "Банковская карта", "name.uk": "", "kind": "sandbox", "currency": "EUR",
                    "description_en": "Visa or Mastercard", "description_ru": "Visa или Mastercard", "description_uk": "",
                    "commission_percent": "2,5", "commission_fixed": "0.30", "cashback_percent": "1", "payer_person": "on",
                    "payer_company": "on", "enabled": "on"
                ])
            #expect(saved.location == "/admin/payment-methods?notice=payment_method_saved")
            try await app.signUpClient(country: "DE", language: .ru, currency: .EUR)
            let fee = MoneyFormat.format(Money.eur("0.30"), language: .ru)
            let browser = Browser(app)
            try await browser.logIn()
            let russian = try await browser.get("/payments/new")
            #expect(russian.testID("method-name-sandbox") == "Банковская карта")
            #expect(russian.testID("method-terms-sandbox") == "Комиссия 2,5 % + \(fee)")
            // Ukrainian was left empty: the English name shows.
            _ = try await browser.post("/lang", form: ["language": "uk", "back": "/payments/new"])
            let ukrainian = try await browser.get("/payments/new")
            #expect(ukrainian.testID("method-name-sandbox") == "Bank card")
            #expect(ukrainian.testID("method-terms-sandbox") == "Комісія 2,5 % + \(fee)")
        }
    }

    @Test func aMethodForCompaniesSaysSoAndIsRefusedForAPrivatePersonBeforeTheConfirmation() async throws {
        try await TestApp.run { app, _ in
            try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(kind: .bankTransfer, name: "Bank transfer", currency: .EUR, payerKinds: [.company]), caller: .testStaff)
            let bank = try #require(try await PaymentMethods(context: app.engine).all().first { $0.kind == .bankTransfer })
            try await app.signUpClient(country: "DE", currency: .EUR)
            let browser = Browser(app)
            try await browser.logIn()
            let form = try await browser.get("/payments/new")
            #expect(form.testID("method-payers-bank_transfer") == "For companies only")
            #expect(form.text.contains(#"data-payer-kinds="company""#))
            #expect(form.text.contains(#"<option value="self" data-kind="person""#))
            // The account holder pays as a private person: refused at the first step, named.
            let fields = ["method": bank.id.uuidString.lowercased(), "amount": "100.00", "action": "confirm", "key": "k1"]
            let refused = try await browser.post("/payments/new", form: fields.merging(["payer": "self"]) { $1 })
            #expect(refused.status == .unprocessableEntity)
            #expect(PageText.readable(refused.text).contains("“Bank transfer” is for companies only."))
            #expect(!refused.text.contains(#"value="pay""#))
            // A company payer reaches the confirmation; nothing was created on the way.
            let company = try await browser.post(
                "/payments/new", form: fields.merging(["payer": "new", "payer_kind": "company", "payer_name": "Anna GmbH"]) { $1 })
            #expect(company.status == .ok)
            #expect(company.text.contains(#"name="action" value="pay""#))
            #expect(try await PaymentRecord.query(on: app.db).count() == 0)
            // In Russian, the tag and the refusal too.
            _ = try await browser.post("/lang", form: ["language": "ru", "back": "/payments/new"])
            #expect(try await browser.get("/payments/new").testID("method-payers-bank_transfer") == "Только для: компании")
            let russian = try await browser.post("/payments/new", form: fields.merging(["payer": "self", "key": "k2"]) { $1 })
            #expect(PageText.readable(russian.text).contains("Способ «Bank transfer» доступен только для: компании."))
        }
    }

    @Test func staffConfirmABankTransferWithWhatTheStatementSaysAndThePageShowsWhoDidWhat() async throws {
        try await TestApp.run { app, _ in
            try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(kind: .bankTransfer, name: "Bank transfer", currency: .EUR), caller: .testStaff)
            let bank = try #require(try await PaymentMethods(context: app.engine).all().first { $0.kind == .bankTransfer })
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let payment = try await PaymentFlow(context: app.engine).create(
                PaymentRequest(methodID: bank.id, amount: Money.eur("120.00"), idempotencyKey: "bank-1"),
                caller: .testClient(try await app.account(client.accountID)))
            let staff = try await Browser.staff(app, role: .accountant)
            let path = "/admin/payments/\(payment.id.uuidString.lowercased())"
            let page = try await staff.get(path)
            #expect(page.text.contains(#"name="amount" id="f-amount" value="120.00""#))
            #expect(page.text.contains(#"name="received_on" id="f-received_on" value="2026-01-15""#))

            // Refused, and the form keeps what was typed: a date after today, a reference with a control character.
            let future = try await staff.post(
                path + "/confirm", form: ["amount": "119.50", "received_on": "2026-01-16", "reference": "TRX-7"])
            #expect(future.status == .unprocessableEntity)
            #expect(PageText.readable(future.text).contains("The date the money arrived must be between the invoice's date and today."))
            #expect(future.text.contains(#"value="119.50""#))
            #expect(future.text.contains(#"value="TRX-7""#))
            let control = try await staff.post(
                path + "/confirm", form: ["amount": "119.50", "received_on": "2026-01-15", "reference": "TRX\u{0007}"])
            // (Control characters are refused for every form before any handler: 400.)
            #expect(control.status == .badRequest)
            #expect(try await app.balance(client.accountID) == Money.eur("0.00"))

            // The bank kept 0.50: 119.50 arrived and reaches the balance, with the day and the reference.
            let confirmed = try await staff.post(
                path + "/confirm", form: ["amount": "119.50", "received_on": "2026-01-15", "reference": "TRX-2026-0001"])
            #expect(confirmed.location == path + "?notice=payment_confirmed")
            #expect(try await app.balance(client.accountID) == Money.eur("119.50"))
            let shown = try await staff.get(path)
            #expect(
                shown.testID("bank-confirmation")
                    == "Confirmed by Olga accountant at 2026-01-15 11:00: €119.50 received on 2026-01-15, bank reference TRX-2026-0001.")
            #expect(shown.testID("confirm-form") == nil)
            let again = try await staff.post(
                path + "/confirm", form: ["amount": "119.50", "received_on": "2026-01-15", "reference": "TRX-2"])
            #expect(again.status == .unprocessableEntity)
            #expect(try await app.balance(client.accountID) == Money.eur("119.50"))

            // A refund names who made it.
            _ = try await staff.post(path + "/refund", form: ["amount": "10.00", "reason": "Paid twice", "key": "refund-1"])
            #expect(try await staff.get(path).testIDs("refund-by") == ["Olga accountant"])
            try await app.runJobs()
            let mail = try await app.deliveredMail(to: "anna@example.com")
            #expect(mail.map(\.subject).contains("Payment #\(payment.number) received: €119.50"))
            let refund = try #require(mail.first { $0.subject == "Refund of €10.00 for payment #\(payment.number)" })
            #expect(refund.text.contains("Reason: Paid twice."))

            // The client's card lists the invoice for those who handle payments, not for support.
            let cardPath = "/admin/clients/\(client.accountID.uuidString.lowercased())"
            let card = try await staff.get(cardPath)
            #expect(card.testIDs("staff-client-payment") == ["#\(payment.number) 2026-01-15 11:00 Bank transfer Credited €119.50"])
            #expect(card.testID("staff-client-orders") != nil)
            let support = try await Browser.staff(app, role: .support)
            let supportCard = try await support.get(cardPath)
            #expect(supportCard.status == .ok)
            #expect(supportCard.testID("staff-client-payments") == nil)
            #expect(supportCard.testID("staff-client-orders") == nil)
        }
    }

    @Test func aRefusedPaymentMethodFormKeepsWhatWasTypedAndNamesTheMethodAndTheField() async throws {
        try await TestApp.run { app, _ in
            let card = try await app.cardMethod()
            let staff = try await Browser.staff(app)
            _ = try await staff.get("/admin/payment-methods")
            let fields = [
                "name": "Bank card", "kind": "sandbox", "currency": "EUR", "description_en": "Visa or Mastercard",
                "commission_percent": "2.5", "commission_fixed": "abc", "cashback_percent": "0", "payer_person": "on", "enabled": "on"
            ]
            let refused = try await staff.post("/admin/payment-methods", form: fields)
            #expect(refused.status == .unprocessableEntity)
            let text = PageText.readable(refused.text)
            #expect(
                text.contains(
                    "“New payment method” was not saved: Fixed commission: enter a number such as 2.5 or 0.30, or leave it empty."))
            let newForm = try #require(refused.text.components(separatedBy: #"data-testid="method-form-new""#).last)
            #expect(newForm.contains(#"name="name" id="f-name" value="Bank card""#))
            #expect(newForm.contains(#"value="Visa or Mastercard""#))
            #expect(newForm.contains(#"value="abc""#))
            #expect(newForm.contains(#"name="payer_company""#) && !newForm.contains(#"name="payer_company" checked"#))
            #expect(try await PaymentMethods(context: app.engine).all().count == 1)

            // Editing the existing card method: the refusal names it, and its form keeps the edits.
            let edit = fields.merging([
                "id": card.uuidString.lowercased(), "name": "Card (new name)", "commission_fixed": "0.30", "maximum": "x"
            ]) {
                $1
            }
            let editRefused = try await staff.post("/admin/payment-methods", form: edit)
            #expect(PageText.readable(editRefused.text).contains("“Card” was not saved: Maximum amount: enter a number"))
            let cardForm = try #require(
                editRefused.text.components(separatedBy: #"data-testid="method-form-\#(card.uuidString.lowercased())""#).dropFirst().first)
            #expect(cardForm.hasPrefix(#" open="open""#) || cardForm.contains(#"value="Card (new name)""#))
            #expect(cardForm.contains(#"value="Card (new name)""#))
            #expect(try await PaymentMethods(context: app.engine).method(card)?.name == "Card")
        }
    }

    @Test func theBalanceHistoryReadsInTheClientsLanguage() async throws {
        try await TestApp.run { app, _ in
            let method = try await app.cardMethod(cashback: 100)
            let client = try await app.signUpClient(country: "DE", language: .ru, currency: .EUR)
            let flow = PaymentFlow(context: app.engine)
            let payment = try await flow.create(
                PaymentRequest(methodID: method, amount: Money.eur("50.00"), idempotencyKey: "k1"),
                caller: .testClient(try await app.account(client.accountID)))
            let url = try #require(try await flow.start(paymentID: payment.id, returnURL: "r", cancelURL: "c"))
            let (body, headers) = Sandbox.paid(app, redirect: url)
            #expect(try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: body, headers: headers) == .credited)
            try await flow.refund(paymentID: payment.id, amount: Money.eur("10.00"), reason: "unused", caller: .testStaff, key: "r1")
            // A row written before ledger texts existed keeps its stored memo.
            try await app.topUp(client.accountID, Money.eur("1.00"), key: "old")
            let browser = Browser(app)
            try await browser.logIn()
            let n = payment.number
            let russian = try await browser.get("/finance/balance")
            // Every posting happened at the same test-clock instant, so the rows' order among
            // themselves is not what is checked here.
            #expect(
                russian.testIDs("ledger-memo").sorted()
                    == [
                        "Top-up", "Кешбэк возвращён вместе с возвратом платежа №\(n)", "Возврат платежа №\(n)", "Кешбэк за платёж №\(n)",
                        "Платёж №\(n)"
                    ].sorted())
            _ = try await browser.post("/lang", form: ["language": "en", "back": "/finance/balance"])
            let english = try await browser.get("/finance/balance")
            #expect(english.testIDs("ledger-memo").contains("Payment #\(n)"))
            #expect(english.testIDs("ledger-memo").contains("Refund of payment #\(n)"))
        }
    }

    @Test func theFlowShowsExactAmountsRefusesBadInputAndHidesOtherClientsInvoices() async throws {
        try await TestApp.run { app, _ in
            let method = try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(
                    kind: .sandbox, name: "Card", currency: .EUR, commissionPercent: Percentage(basisPoints: 250),
                    commissionFixed: Money.eur("0.30"), minimum: Money.eur("5.00")), caller: .testStaff)
            try await app.signUpClient(country: "DE", currency: .EUR)
            let browser = Browser(app)
            try await browser.logIn()
            let id = method.uuidString.lowercased()
            let confirm = try await browser.post(
                "/payments/new", form: ["method": id, "amount": "100.00", "action": "confirm", "payer": "self"])
            #expect(confirm.status == .ok)
            #expect(confirm.testID("confirm-commission") == "€2.80")
            #expect(confirm.testID("confirm-total") == "€102.80")
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
            #expect(payment.total == Money.eur("102.80").units)

            // Another client: the invoice is a 404, and its delete does nothing.
            try await app.signUpClient(email: "bob@example.com", country: "DE", currency: .EUR)
            let bob = Browser(app)
            try await bob.logIn("bob@example.com")
            #expect(try await bob.get("/payments/\(payment.id!.uuidString.lowercased())").status == .notFound)
            #expect(try await bob.post("/payments/\(payment.id!.uuidString.lowercased())/delete", form: [:]).status == .notFound)
            #expect(try await PaymentRecord.find(payment.id!, on: app.db)?.status == .beingPaid)

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
            #expect(try await PaymentRecord.find(payment.id!, on: app.db)?.status == .beingPaid)
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
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web"), caller: .testClient(account))
            let order = try await Orders(context: app.engine).checkout(
                caller: .testClient(account), payFromBalance: false,
                paymentMethod: card.uuidString.lowercased())
            let browser = Browser(app)
            try await browser.logIn()
            let page = try await browser.get("/orders")
            #expect(page.status == .ok)
            #expect(page.text.contains("<th>Payment method</th>"))
            #expect(page.text.contains("<td>Card</td>"))
            #expect(page.text.contains("Pay with Card"))
            #expect(!page.text.contains("Pay from balance"))
            #expect(page.testIDs("orders-row-total") == ["€10.00"])
            let pay = try await browser.post("/orders/\(order.id.uuidString.lowercased())/pay", form: [:])
            #expect(pay.location == "/payments/new?order=\(order.id.uuidString.lowercased())&method=\(card.uuidString.lowercased())")
            let form = try await browser.get(try #require(pay.location))
            #expect(form.testID("payment-for-order")?.contains("€10.00") == true)
            #expect(try await OrderRecord.find(order.id, on: app.db)?.status == .pending)
        }
    }
}
