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

/// The defects found by trying the platform as an attacker and as a new user would (issue 10),
/// each proved fixed through the real router.
@Suite("Hardening: what an attacker or a new user tried")
struct HardeningTests {
    static func eur(_ text: String) -> Money { try! MoneyFormat.parse(text, currency: .EUR, language: .en) }

    /// The value of a hidden field of a page (`_once`, `key`), the first one after `after` when given
    /// (the form of one action).
    static func field(_ name: String, in html: String, after marker: String? = nil) -> String? {
        var text = Substring(html)
        if let marker {
            guard let start = html.range(of: marker) else { return nil }
            text = html[start.upperBound...]
        }
        guard let range = text.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    // MARK: 1. a page number that overflowed killed the process

    @Test func hugePageNumbersShowTheLastPageOrARefusalAndNeverStopTheServer() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Self.eur("50.00"), key: "t")
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
                    maximum: Int.max, step: 1), planID: catalog.monthly)
            try await Catalog(context: app.engine).setPrice(ownerID: huge, period: .month, amount: Self.eur("1000.00"))
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

    // MARK: 2. the development outbox gave anyone the reset links

    @Test func theOutboxIsAStaffPageInEveryModeAndProductionRefusesUnsafeDefaults() async throws {
        try await TestApp.run { app, _ in
            try await app.signUpClient()
            try await PasswordResets(context: app.engine).request(email: "anna@example.com", language: .en)
            try await JobWorker(context: app.engine, owner: "test").runDue() // the request's job queues the e-mail
            let stranger = Browser(app)
            #expect(try await stranger.get("/dev/outbox").status == .notFound)
            let anonymous = try await stranger.get("/admin/outbox")
            #expect(anonymous.location == "/admin/login")
            #expect(!anonymous.text.contains("/password/reset/"))
            // A signed-in client is not staff.
            let client = Browser(app)
            try await client.logIn()
            #expect(try await client.get("/admin/outbox").location == "/admin/login")
            // Support may read the outbox's envelopes, not the bodies; an accountant's role may not
            // open it.
            let support = try await Browser.staff(app, role: .support)
            let outbox = try await support.get("/admin/outbox")
            #expect(outbox.status == .ok)
            #expect(outbox.text.contains("Reset your Demo Hosting password"))
            #expect(!outbox.text.contains("/password/reset/"))
            let accountant = try await Browser.staff(app, role: .accountant)
            #expect(try await accountant.get("/admin/outbox").status == .forbidden)
        }
        do {
            _ = try AppConfig.fromEnvironment(["BILLING_ENV": "production"])
            Issue.record("production started with the sandbox gateway and demo data on")
        } catch let error as AppConfig.Invalid {
            #expect(Set(error.variables) == ["BILLING_DEMO", "BILLING_SANDBOX_GATEWAY", "BILLING_BASE_URL"])
            #expect(error.description.contains("BILLING_SANDBOX_GATEWAY"))
            #expect(error.description.contains("BILLING_DEMO"))
            #expect(error.description.contains("https://"))
        }
        // Probe finding 4: an http:// address (no Secure cookies, no HSTS) and a cheap bcrypt cost
        // are refused in production, each naming its variable.
        do {
            _ = try AppConfig.fromEnvironment([
                "BILLING_ENV": "production", "BILLING_DEMO": "off", "BILLING_SANDBOX_GATEWAY": "off",
                "BILLING_BASE_URL": "http://billing.example.com", "BILLING_BCRYPT_COST": "4"
            ])
            Issue.record("production started over http with bcrypt cost 4")
        } catch let error as AppConfig.Invalid {
            #expect(error.variables == ["BILLING_BASE_URL", "BILLING_BCRYPT_COST"])
            #expect(error.description.contains(#"BILLING_BCRYPT_COST="4""#))
        }
        let production = try AppConfig.fromEnvironment([
            "BILLING_ENV": "production", "BILLING_DEMO": "off", "BILLING_SANDBOX_GATEWAY": "off",
            "BILLING_BASE_URL": "https://billing.example.com"
        ])
        #expect(!production.developmentMode)
        // The demo staff password is refused in production: the check the server runs at start.
        try await TestApp.run { app, _ in
            try await DemoProvider(context: app.engine).seedIfEmpty()
            let demo = DemoProvider(context: app.engine)
            #expect(
                try await demo.publishedLoginsThatWork() == [
                    "the demo staff login admin@demo.example", "the demo client login client@demo.example"
                ])
            // The client's published password is refused too until it is changed (probe finding 4).
            let client = try #require(try await UserRecord.query(on: app.db).filter(\.$email == DemoProvider.clientEmail).first())
            client.passwordHash = try await app.engine.passwords.hash("a private password now")
            try await client.save(on: app.db)
            #expect(try await demo.publishedLoginsThatWork() == ["the demo staff login admin@demo.example"])
            // An installation with no enabled administrator is refused; `billing staff create` makes one.
            let staff = StaffAccounts(context: app.engine)
            #expect(try await staff.hasAdministrator())
            try await StaffUserRecord.query(on: app.db).set(\.$enabled, to: false).update()
            #expect(try await !staff.hasAdministrator())
            try await staff.create(email: "owner@provider.example", name: "Owner", password: "a long admin password", role: .support)
            #expect(try await !staff.hasAdministrator())
            try await staff.create(email: "boss@provider.example", name: "Boss", password: "a long admin password", role: .administrator)
            #expect(try await staff.hasAdministrator())
        }
    }

    // MARK: 3. a double click bought twice

    @Test func aFormSentTwiceOrThreeTimesAtOnceBuysOnce() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Self.eur("50.00"), key: "t")
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
            #expect(try await app.balance(client.accountID) == Self.eur("40.00"))

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
            #expect(try await app.balance(client.accountID) == Self.eur("30.00"))

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

    // MARK: 4. a stranger paying through a pay link saved their card to the account

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
            #expect(try await app.balance(client.accountID) == Self.eur("20.00"))
            #expect(try await SavedMethodRecord.query(on: app.db).count() == 0)
            #expect(try await PaymentRecord.find(payment.id!, on: app.db)?.saveMethod == false)
        }
    }

    // MARK: 5. markup in a client's name reached the staff pages

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
                accountID: client.accountID, amount: Self.eur("30.00"), reason: hostile,
                staffID: staffID, role: .administrator, idempotencyKey: "h1")
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web1"), account: account)
            try await Orders(context: app.engine).checkout(account: account, payFromBalance: true, actor: .testClient)
            try await app.runJobs()
            try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(
                    kind: .bankTransfer, name: hostile, descriptions: [.en: hostile], currency: .EUR))
            var seller = SellerDetails()
            seller.legalName = hostile
            seller.account = "DE89 3704 0044 0532 0130 00"
            try await seller.save(on: app.db)
            let bank = try #require(try await PaymentMethods(context: app.engine).all().first { $0.kind == .bankTransfer })
            let payment = try await PaymentFlow(context: app.engine).create(
                PaymentRequest(
                    methodID: bank.id, amount: Self.eur("10.00"),
                    payer: .new(kind: .company, name: hostile),
                    idempotencyKey: "h2"), account: account)
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

    // MARK: 6. a bank transfer could not be made: no recipient, no account, no reference

    @Test func bankTransferInvoicesCarryTheSellersDetailsAndAReference() async throws {
        try await TestApp.run { app, _ in
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(kind: .bankTransfer, name: "Bank transfer", currency: .EUR))
            let bank = try #require(try await PaymentMethods(context: app.engine).all().first { $0.kind == .bankTransfer })
            let payment = try await PaymentFlow(context: app.engine).create(
                PaymentRequest(
                    methodID: bank.id, amount: Self.eur("120.00"),
                    idempotencyKey: "b1"), account: account)
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

    // MARK: 7–13. money and what pages said

    @Test func currencyChangeWaitsForPendingOrdersAndAmountsAreReadOneWay() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            let staff = try await Browser.staff(app)
            try await Currencies(context: app.engine).setRate(
                base: .EUR, quote: .UAH, rateMicros: 45_000_000, staffID: UUID(), role: .administrator)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web1"), account: account)
            _ = try? await Orders(context: app.engine).checkout(account: account, payFromBalance: true, actor: .testClient)
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
                    reason: "fill", staffID: UUID(), role: .administrator,
                    idempotencyKey: "fill-\(index)")
            }
            await #expect(
                throws: AdjustmentError.beyondLimits(
                    maximumAmount: MoneyLimits.maximumAmount.money(.EUR),
                    maximumBalance: MoneyLimits.maximumBalance.money(.EUR))
            ) {
                try await BalanceAdjustments(context: app.engine).adjust(
                    accountID: client.accountID, amount: Self.eur("0.01"),
                    reason: "one more", staffID: UUID(), role: .administrator,
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
            try await app.topUp(client.accountID, Self.eur("50.00"), key: "t")
            let account = try await app.account(client.accountID)
            let method = try await app.cardMethod()
            let payment = try await PaymentFlow(context: app.engine).create(
                PaymentRequest(
                    methodID: method, amount: Self.eur("50.00"),
                    idempotencyKey: "p"), account: account)
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
            let unpriced = try await Catalog(context: app.engine).savePlan(.init(productType: .vps, name: "VPS Unpriced"))
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

    // MARK: 14–21. access and sessions

    @Test func returnAddressesPayersAndGETsCannotBeTurnedAgainstTheUser() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.signUpClient(email: "boris@example.com", name: "Boris Secret", country: "DE", currency: .EUR)
            let method = try await app.cardMethod()
            let boris = try await app.account(
                try #require(try await UserRecord.query(on: app.db).filter(\.$email == "boris@example.com").first()).accountID)
            let borisPayment = try await PaymentFlow(context: app.engine).create(
                PaymentRequest(
                    methodID: method, amount: Self.eur("10.00"),
                    payer: .new(kind: .company, name: "Boris Secret Ltd"), idempotencyKey: "b"), account: boris)

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
                PaymentRequest(methodID: method, amount: Self.eur("10.00"), idempotencyKey: "a"),
                account: try await app.account(anna.accountID))
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

    @Test func errorPagesAndAPIErrorsCarryTheSecurityHeaders() async throws {
        let https: (inout AppConfig) -> Void = {
            $0.baseURL = "https://billing.test"
            $0.secureCookies = true
        }
        try await TestApp.run(adjust: https) { app, _ in
            let browser = Browser(app)
            let missing = try await browser.get("/no/such/page")
            #expect(missing.status == .notFound)
            #expect(missing.headers.first(name: "Content-Security-Policy")?.contains("default-src 'self'") == true)
            #expect(missing.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(missing.headers.first(name: "X-Frame-Options") == "DENY")
            #expect(missing.headers.first(name: "Strict-Transport-Security") == "max-age=31536000; includeSubDomains")
            let forbidden = try await browser.post("/login", form: ["email": "x"], csrf: "forged")
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.headers.first(name: "Content-Security-Policy") != nil)
            let api = try await browser.get("/api/v1/me")
            #expect(api.status == .unauthorized)
            #expect(api.headers.first(name: "X-Content-Type-Options") == "nosniff")
        }
        // Without https there is no HSTS.
        try await TestApp.run { app, _ in
            let login = try await Browser(app).get("/login")
            #expect(login.headers.first(name: "Strict-Transport-Security") == nil)
        }
    }

    @Test func formsMayPostToTheConfiguredGatewaysPagesAndNowhereElse() async throws {
        let local: (inout AppConfig) -> Void = { $0.stripe = ("sk_test_x", "whsec_x", "http://127.0.0.1:45678") }
        try await TestApp.run(adjust: local) { app, _ in
            let policy = try #require(try await Browser(app).get("/login").headers.first(name: "Content-Security-Policy"))
            #expect(policy.hasSuffix("form-action 'self' http://127.0.0.1:45678"))
        }
        let live: (inout AppConfig) -> Void = { $0.stripe = ("sk_test_x", "whsec_x", "https://api.stripe.com") }
        try await TestApp.run(adjust: live) { app, _ in
            let policy = try #require(try await Browser(app).get("/login").headers.first(name: "Content-Security-Policy"))
            #expect(policy.hasSuffix("form-action 'self' https://checkout.stripe.com"))
        }
        try await TestApp.run { app, _ in
            let policy = try #require(try await Browser(app).get("/login").headers.first(name: "Content-Security-Policy"))
            #expect(policy.hasSuffix("form-action 'self'"))
        }
    }

    @Test func forwardedAddressesAreBelievedOnlyFromConfiguredProxies() async throws {
        let proxies = TrustedProxies(["10.0.0.5"])
        #expect(proxies.clientAddress(peer: "203.0.113.7", forwardedFor: ["198.51.100.1"]) == "203.0.113.7")
        #expect(proxies.clientAddress(peer: "10.0.0.5", forwardedFor: ["198.51.100.1"]) == "198.51.100.1")
        #expect(proxies.clientAddress(peer: "10.0.0.5", forwardedFor: ["6.6.6.6, 198.51.100.1, 10.0.0.5"]) == "198.51.100.1")
        #expect(proxies.clientAddress(peer: "10.0.0.5", forwardedFor: ["not-an-address"]) == "10.0.0.5")
        #expect(
            try AppConfig.fromEnvironment(["BILLING_TRUSTED_PROXIES": "10.0.0.5, ::1"]).trustedProxies
                == TrustedProxies(["10.0.0.5", "::1"]))
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.fromEnvironment(["BILLING_TRUSTED_PROXIES": "proxy.internal"]) }
    }
}
