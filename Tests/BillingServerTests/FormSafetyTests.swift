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

/// Forms: sent twice or without their keys, hostile or broken texts, addresses and GETs turned against the user.
@Suite("Forms change things once, and only as meant")
struct FormSafetyTests {
    static func field(_ name: String, in html: String, after marker: String? = nil) -> String? {
        var text = Substring(html)
        if let marker {
            guard let start = html.range(of: marker) else { return nil }
            text = html[start.upperBound...]
        }
        guard let range = text.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test func aFormSentTwiceOrThreeTimesAtOnceBuysOnce() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let browser = Browser(app)
            try await browser.logIn()
            let path = "/order/\(catalog.monthly.uuidString.lowercased())"
            let page = try await browser.get(path)
            let once = try #require(Self.field("_once", in: page.text))
            let form = ["period": "month", "domain": "web1", "action": "pay", "_once": once]
            let first = try await browser.post(path, form: form)
            #expect(first.location == "/services?type=vps&notice=order_paid")
            let second = try await browser.post(path, form: form)
            #expect(second.status == .seeOther)
            #expect(second.location == "/services?type=vps&notice=order_paid")
            #expect(try await ServiceRecord.query(on: app.db).count() == 1)
            #expect(try await app.balance(client.accountID) == Money.eur("40.00"))

            // Three at once from another page: one order, one charge; the others wait and follow it.
            let again = try await browser.get(path)
            let key = try #require(Self.field("_once", in: again.text))
            let csrf = browser.lastCSRF
            let cookies = browser.cookies
            let answers = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        // The same browser's three connections: its cookies, the page's tokens.
                        let tab = Browser(app)
                        tab.cookies = cookies
                        return try await tab.post(
                            path, form: ["period": "month", "domain": "web2", "action": "pay", "repeat": "confirmed", "_once": key],
                            csrf: csrf
                        ).location
                    }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(answers == Array(repeating: "/services?type=vps&notice=order_paid", count: 3))
            #expect(try await ServiceRecord.query(on: app.db).count() == 2)
            #expect(try await ExpenseRecord.query(on: app.db).count() == 2)
            #expect(try await app.balance(client.accountID) == Money.eur("30.00"))

            // "Extend" twice: one renewal order. The cart's checkout twice: the second goes where the first went.
            try await app.runJobs()
            let service = try #require(try await ServiceRecord.query(on: app.db).sort(\.$number).first())
            let servicePath = "/services/\(service.id!.uuidString.lowercased())"
            let servicePage = try await browser.get(servicePath)
            let extendKey = try #require(Self.field("_once", in: servicePage.text, after: "\(servicePath)/extend"))
            for _ in 0..<2 {
                let extended = try await browser.post(servicePath + "/extend", form: ["_once": extendKey])
                #expect(extended.location?.hasPrefix("/orders/") == true)
                #expect(extended.location?.hasSuffix("?notice=renewal_requested") == true)
            }
            #expect(try await OrderRecord.query(on: app.db).filter(\.$status == .pending).count() == 1)

            try await browser.get(path)
            _ = try await browser.post(path, form: ["period": "month", "domain": "web3", "action": "cart"])
            let cart = try await browser.get("/cart")
            let checkoutKey = try #require(Self.field("_once", in: cart.text, after: "/cart/checkout"))
            let paid = try await browser.post("/cart/checkout", form: ["_once": checkoutKey])
            let repeated = try await browser.post("/cart/checkout", form: ["_once": checkoutKey])
            #expect(paid.location == repeated.location)
            #expect(repeated.location?.hasPrefix("/orders?notice=") == true)
            #expect(try await ServiceRecord.query(on: app.db).count() == 3)
        }
    }

    /// Found by a probe: thirty "extend" forms sent at once without their one-time key made thirty
    /// renewal orders. Now each is refused and nothing is ordered.
    @Test func aFormPostWithoutItsOneTimeKeyIsRefusedAndChangesNothing() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let browser = Browser(app)
            try await browser.logIn()
            let path = "/services/\(service.id!.uuidString.lowercased())"
            _ = try await browser.get(path)
            let orders = try await OrderRecord.query(on: app.db).count()
            let csrf = browser.lastCSRF
            let cookies = browser.cookies
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        // The same browser's connections: its cookies and CSRF token, no one-time key.
                        let tab = Browser(app)
                        tab.cookies = cookies
                        return try await tab.post(path + "/extend", form: [:], csrf: csrf, once: false).status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: .forbidden, count: 30))
            #expect(try await OrderRecord.query(on: app.db).count() == orders)
            // A malformed key is no key.
            #expect(try await browser.post(path + "/extend", form: ["_once": "x"]).status == .forbidden)
            #expect(try await OrderRecord.query(on: app.db).count() == orders)
            // The form as the page gives it works once, and its repeat goes where the first went.
            _ = try await browser.get(path)
            let first = try await browser.post(path + "/extend", form: [:])
            #expect(first.status == .seeOther)
            #expect(try await OrderRecord.query(on: app.db).count() == orders + 1)
        }
    }

    @Test func hostileNamesDescriptionsAndReasonsNeverBecomeMarkup() async throws {
        let hostile = #"X"><b data-pwned="1">'<meta http-equiv="refresh" content="0;url=https://evil.example">"#
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(name: hostile, country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            let staffID = try await StaffAccounts(context: app.engine).create(
                email: "boss@provider.example", name: hostile,
                password: "staff password 1", role: .administrator)
            try await BalanceAdjustments(context: app.engine).adjust(
                accountID: client.accountID, amount: Money.eur("30.00"), reason: hostile,
                caller: .staff(staffID, role: .administrator), idempotencyKey: "h1")
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web1"), caller: .testClient(account))
            try await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
            try await app.runJobs()
            try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(
                    kind: .bankTransfer, name: hostile, descriptions: [.en: hostile], currency: .EUR), caller: .testStaff)
            var seller = SellerDetails()
            seller.legalName = hostile
            seller.account = "DE89 3704 0044 0532 0130 00"
            try await seller.save(on: app.db)
            let bank = try #require(try await PaymentMethods(context: app.engine).all().first { $0.kind == .bankTransfer })
            let payment = try await PaymentFlow(context: app.engine).create(
                PaymentRequest(
                    methodID: bank.id, amount: Money.eur("10.00"),
                    payer: .new(kind: .company, name: hostile),
                    idempotencyKey: "h2"), caller: .testClient(account))
            let service = try #require(try await ServiceRecord.query(on: app.db).first())

            let browser = Browser(app)
            try await browser.logIn()
            let staff = Browser(app)
            try await staff.get("/admin/login")
            try await staff.post("/admin/login", form: ["email": "boss@provider.example", "password": "staff password 1"])
            let clientPages = [
                "/dashboard", "/finance/balance", "/services?type=vps", "/services/\(service.id!.uuidString.lowercased())",
                "/payments?filter=all", "/payments/\(payment.id.uuidString.lowercased())",
                "/payments/\(payment.id.uuidString.lowercased())/invoice", "/payments/new", "/finance/expenses",
                "/services?q=\(hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            ]
            let staffPages = [
                "/admin", "/admin?q=X", "/admin/clients/\(client.accountID.uuidString.lowercased())", "/admin/payments",
                "/admin/payments/\(payment.id.uuidString.lowercased())", "/admin/payment-methods", "/admin/billing",
                "/admin/outbox"
            ]
            // The public pay link of the invoice, with the hostile payer and method names.
            let detail = try await browser.get("/payments/\(payment.id.uuidString.lowercased())")
            let linkStart = try #require(detail.text.range(of: #"id="pay-link" value=""#))
            let payLink = String(detail.text[linkStart.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(
                of: "http://billing.test", with: "")
            let anonymous = Browser(app)
            for (visitor, pages) in [(browser, clientPages), (staff, staffPages), (anonymous, [payLink])] {
                for path in pages {
                    let response = try await visitor.get(path)
                    #expect(response.status == .ok, "\(path)")
                    #expect(!response.text.contains("<b data-pwned"), "\(path)")
                    #expect(!response.text.contains("<meta http-equiv=\"refresh\" content=\"0;url=https://evil"), "\(path)")
                    #expect(!response.text.contains("og:title"), "\(path)")
                    #expect(response.headers.first(name: "Content-Security-Policy")?.contains("base-uri 'none'") == true, "\(path)")
                }
            }
        }
    }

    /// Found by a probe: NUL was accepted in e-mail addresses and payer names. Now every form text with
    /// a control character is refused before anything runs, and the engine refuses them too.
    @Test func controlCharactersInTextsAreRefusedAndChangeNothing() async throws {
        try await TestApp.run { app, _ in
            let browser = Browser(app)
            _ = try await browser.get("/signup")
            let signUp = try await browser.post(
                "/signup",
                form: ["name": "Mallory", "email": "mallory\u{0}@example.com", "password": "correct horse battery", "country": "DE"])
            #expect(signUp.status == .badRequest)
            #expect(signUp.text.contains("The form holds invisible control characters (such as NUL)."))
            let named = try await browser.post(
                "/signup",
                form: ["name": "Mal\u{1B}[31mlory", "email": "mallory@example.com", "password": "correct horse battery", "country": "DE"])
            #expect(named.status == .badRequest)
            #expect(try await UserRecord.query(on: app.db).count() == 0)
            #expect(EmailAddress.normalized("anna\u{0}@example.com") == nil)
            #expect(EmailAddress.normalized("anna@example.com") == "anna@example.com")
            // Line breaks in a multi-line field are text, not control.
            #expect(!"Line one\nLine two\tend".hasControlCharacters(allowingLineBreaks: true))
            #expect("Line one\nLine two".hasControlCharacters())
        }
    }

    @Test func returnAddressesPayersAndGETsCannotBeTurnedAgainstTheUser() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.signUpClient(email: "boris@example.com", name: "Boris Secret", country: "DE", currency: .EUR)
            let method = try await app.cardMethod()
            let boris = try await app.account(
                try #require(try await UserRecord.query(on: app.db).filter(\.$email == "boris@example.com").first()).accountID)
            let borisPayment = try await PaymentFlow(context: app.engine).create(
                PaymentRequest(
                    methodID: method, amount: Money.eur("10.00"),
                    payer: .new(kind: .company, name: "Boris Secret Ltd"), idempotencyKey: "b"), caller: .testClient(boris))

            let browser = Browser(app)
            try await browser.get("/login")
            let login = try await browser.post(
                "/login",
                form: [
                    "email": "anna@example.com", "password": "correct horse battery",
                    "next": "/\t/evil.example"
                ])
            #expect(login.location == "/dashboard")
            // The login gave the browser a new CSRF seed.
            #expect(login.headers[.setCookie].contains { $0.hasPrefix("csrf_seed=") })
            for back in ["/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", "/\n/evil.example"] {
                let switched = try await browser.post("/lang", form: ["language": "ru", "back": back])
                #expect(switched.location == "/", "\(back.debugDescription)")
            }
            #expect(
                try await browser.post("/lang", form: ["language": "en", "back": "/payments?filter=all"]).location == "/payments?filter=all"
            )

            // Another account's payer id shows nothing of it.
            _ = try await browser.get("/payments/new")
            let payerID = try #require(borisPayment.payerID).uuidString.lowercased()
            let foreign = try await browser.post(
                "/payments/new",
                form: [
                    "method": method.uuidString.lowercased(), "amount": "10.00",
                    "action": "confirm", "payer": payerID
                ])
            #expect(!foreign.text.contains("Boris Secret Ltd"))
            #expect(foreign.status == .unprocessableEntity)

            // GET of the gateway's "cancelled" address changes nothing; its button does.
            let mine = try await PaymentFlow(context: app.engine).create(
                PaymentRequest(methodID: method, amount: Money.eur("10.00"), idempotencyKey: "a"),
                caller: .testClient(try await app.account(anna.accountID)))
            let cancelledPath = "/payments/\(mine.id.uuidString.lowercased())/cancelled"
            let landing = try await browser.get(cancelledPath)
            #expect(landing.status == .ok)
            #expect(landing.text.contains(#"data-testid="payment-abandoned""#))
            #expect(try await PaymentRecord.find(mine.id, on: app.db)?.status == .new)
            let cancel = try await browser.post(cancelledPath, form: [:])
            #expect(cancel.status == .seeOther)
            #expect(try await PaymentRecord.find(mine.id, on: app.db)?.status == .cancelled)
        }
    }
}
