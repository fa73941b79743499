import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The outside probe of main (issue 19, section 4): each finding reproduced, and refused.
@Suite("Probe findings stay fixed")
struct ProbeRegressionTests {
    static func eur(_ text: String) -> Money { try! MoneyFormat.parse(text, currency: .EUR, language: .en) }

    /// Finding 1 (high): support read a live reset link on /admin/outbox, reset the client's
    /// password and logged in as the client. Now no page, no row and no log holds a usable link:
    /// the outbox stores a placeholder, the token is made as the message is sent, and bodies are
    /// for administrators only.
    @Test func staffCannotTakeOverAClientThroughTheOutbox() async throws {
        let log = CapturedLog()
        try await TestApp.run(logger: log.logger(requestID: "probe")) { app, _ in
            try await app.signUpClient(email: "victim@example.com")
            let stranger = Browser(app)
            try await stranger.get("/password/forgot")
            #expect(try await stranger.post("/password/forgot", form: ["email": "victim@example.com"]).status == .ok)
            try await JobWorker(context: app.engine, owner: "test").runDue() // the request's job queues the e-mail
            // Before and after sending, the outbox shows no token, to support or to an administrator.
            let support = try await Browser.staff(app, role: .support)
            let admin = try await Browser.staff(app, role: .administrator)
            #expect(!(try await support.get("/admin/outbox")).text.contains("/password/reset/"))
            #expect(try await admin.get("/admin/outbox").text.contains("/password/reset/{token}"))
            let token = try #require(try await app.mailedTokens(to: "victim@example.com", path: "/password/reset/").first)
            for page in [try await support.get("/admin/outbox"), try await admin.get("/admin/outbox")] {
                #expect(page.status == .ok)
                #expect(!page.text.contains(token))
            }
            #expect(try await support.get("/admin/outbox").text.contains(#"data-testid="outbox-status">sent"#))
            // Not in the stored row nor in what was logged; only its digest is kept.
            let rows = try await OutboxEmailRecord.query(on: app.db).all()
            #expect(rows.count == 1)
            #expect(rows.allSatisfy { !$0.body.contains(token) && !$0.subject.contains(token) })
            #expect(!log.all.map(\.text).joined(separator: "\n").contains(token))
            #expect(try await PasswordResetRecord.query(on: app.db).all().map(\.tokenHash) == [SecretToken.digest(token)])
            // The placeholder itself opens nothing; the mailed token does, once.
            #expect(try await stranger.get("/password/reset/%7Btoken%7D").status == .gone)
            #expect(try await stranger.get("/password/reset/\(token)").status == .ok)
        }
    }

    /// Finding 2: 105 wrong passwords from 21 addresses in seconds locked a customer (or a member
    /// of staff) out for an hour: the right password got 429 on the web and the API. Now a browser
    /// that signed in before gets in; any other gets one answer for right and wrong passwords, and
    /// a right one mails a sign-in link that lets the owner in and trusts that browser.
    @Test func strangersWrongPasswordsDoNotLockTheOwnerOut() async throws {
        try await TestApp.run { app, _ in
            try await app.signUpClient(email: "owner@example.com")
            let usual = Browser(app)
            #expect(try await usual.logIn("owner@example.com").location == "/dashboard")
            #expect(usual.cookies["bdev"] != nil)
            _ = try await usual.post("/logout", form: [:])
            try await StaffAccounts(context: app.engine).create(
                email: "chief@provider.example", name: "Chief", password: "the chief's password", role: .administrator)
            let auth = Authentication(context: app.engine)
            for address in 0..<21 {
                for _ in 0..<5 {
                    for (realm, email) in [(Realm.client, "owner@example.com"), (.staff, "chief@provider.example")] {
                        _ = try? await auth.login(realm: realm, email: email, password: "a wrong guess!", ip: "198.51.100.\(address)")
                    }
                }
            }
            // The usual browser: in, with the right password.
            #expect(try await usual.logIn("owner@example.com").location == "/dashboard")
            // A new browser: the same answer for the right and a wrong password, no session.
            let fresh = Browser(app)
            let right = try await fresh.logIn("owner@example.com")
            let wrong = try await Browser(app).logIn("owner@example.com", password: "another wrong guess")
            #expect(right.status == .unauthorized)
            #expect(wrong.status == .unauthorized)
            #expect(right.text.contains("signing in from a new browser takes one more step"))
            func alert(_ page: TestingHTTPResponse) -> String? {
                page.text.components(separatedBy: #"role="alert">"#).dropFirst().first?.components(separatedBy: "<").first
            }
            #expect(alert(right) != nil)
            #expect(alert(wrong) == alert(right))
            #expect(fresh.cookies["bsid"] == nil)
            // Only the right password mailed a link (one, however often it is typed); it signs in
            // once and trusts the browser.
            _ = try await fresh.logIn("owner@example.com")
            let tokens = try await app.mailedTokens(to: "owner@example.com", path: "/login/link/")
            #expect(tokens.count == 1)
            let link = "/login/link/\(try #require(tokens.first))"
            #expect(try await fresh.get(link).status == .ok)
            #expect(fresh.cookies["bsid"] == nil)
            #expect(try await fresh.post(link, form: [:]).location == "/dashboard")
            #expect(try await fresh.get("/dashboard").status == .ok)
            #expect(try await Browser(app).get(link).status == .gone)
            _ = try await fresh.post("/logout", form: [:])
            #expect(try await fresh.logIn("owner@example.com").location == "/dashboard")
            // The API's right password is not refused with 429 either: it gets the second step.
            let api = try await Browser(app).send(
                .POST, "/api/v1/auth/tokens", body: #"{"email":"owner@example.com","password":"correct horse battery"}"#,
                contentType: "application/json")
            #expect(api.status == .unauthorized)
            #expect(api.text.contains("second_step_required"))

            // Staff: the same second step, at /admin/login/link/.
            let staff = Browser(app)
            try await staff.get("/admin/login")
            let refused = try await staff.post(
                "/admin/login", form: ["email": "chief@provider.example", "password": "the chief's password"])
            #expect(refused.status == .unauthorized)
            let staffToken = try #require(try await app.mailedTokens(to: "chief@provider.example", path: "/admin/login/link/").first)
            try await staff.get("/admin/login/link/\(staffToken)")
            #expect(try await staff.post("/admin/login/link/\(staffToken)", form: [:]).location == "/admin")
            #expect(try await staff.get("/admin").status == .ok)
            // A client's link does not open the staff area, nor a staff link the client area.
            #expect(try await Browser(app).get("/login/link/\(staffToken)").status == .gone)
        }
    }

    /// Finding 5 (part): payments started at once for a new payer of the same name made duplicate
    /// payer rows. Now the account has one payer of that kind and name, and every payment names it.
    @Test func paymentsStartedAtOnceForANewPayerMakeOnePayer() async throws {
        try await TestApp.run { app, _ in
            let bank = try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(kind: .bankTransfer, name: "Bank", currency: .EUR, payerKinds: [.company]))
            let client = try await app.signUpClient(currency: .EUR)
            let account = try await app.account(client.accountID)
            let flow = PaymentFlow(context: app.engine)
            let payments = try await withThrowingTaskGroup(of: Payment.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await flow.create(
                            PaymentRequest(
                                methodID: bank, amount: Self.eur("30.00"), payer: .new(kind: .company, name: "Anna LLC"),
                                idempotencyKey: "p\(index)"), account: account)
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

    /// Finding 3: an attacker signed up with the victim's address and a password of its own; the
    /// victim confirmed by the e-mailed link and was signed in; the attacker then logged in to the
    /// same account with its password. Now the link's owner sets the password, and every other
    /// way in ends at confirmation.
    @Test func registeringSomeoneElsesAddressGivesTheRegistrantNoWayIn() async throws {
        try await TestApp.run { app, _ in
            let attacker = Browser(app)
            try await attacker.get("/signup")
            let signUp = try await attacker.post(
                "/signup",
                form: ["name": "Not Vera", "email": "vera@example.com", "password": "attacker chosen pass", "country": "DE"])
            #expect(signUp.status == .ok)
            // The victim opens the mailed link and sets a password of her own.
            let token = try #require(try await app.mailedTokens(to: "vera@example.com", path: "/signup/confirm/").first)
            let victim = Browser(app)
            try await victim.get("/signup/confirm/\(token)")
            #expect(
                try await victim.post("/signup/confirm/\(token)", form: ["password": "vera's own password"]).location
                    == "/dashboard?notice=welcome")
            // The registrant's password opens nothing, on the web or the API.
            try await attacker.get("/login")
            let login = try await attacker.post("/login", form: ["email": "vera@example.com", "password": "attacker chosen pass"])
            #expect(login.status == .unauthorized)
            #expect(attacker.cookies["bsid"] == nil)
            let api = try await Browser(app).send(
                .POST, "/api/v1/auth/tokens", body: #"{"email":"vera@example.com","password":"attacker chosen pass"}"#,
                contentType: "application/json")
            #expect(api.status == .unauthorized)
            // Hers works.
            #expect(try await Browser(app).logIn("vera@example.com", password: "vera's own password").location == "/dashboard")
            #expect(try await victim.get("/dashboard").status == .ok)
        }
    }

    /// Finding 6: thirty "extend" forms sent at once without their one-time key made thirty
    /// renewal orders. Now each is refused and nothing is ordered.
    @Test func aFormPostWithoutItsOneTimeKeyIsRefusedAndChangesNothing() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Self.eur("50.00"), key: "t")
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

    /// Finding 5: API answers (the issued token among them) and CSV exports could be kept by a
    /// cache. Everything but the fingerprinted assets now says `no-store`.
    @Test func apiAnswersAndExportsAreNeverCached() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient(country: "DE", currency: .EUR)
            let issued = try await Browser(app).send(
                .POST, "/api/v1/auth/tokens", body: #"{"email":"anna@example.com","password":"correct horse battery"}"#,
                contentType: "application/json")
            #expect(issued.status == .created)
            #expect(issued.headers.first(name: .cacheControl) == "no-store")
            let client = try await APIClient.logIn(app)
            let me = try await client.send(.GET, "/v1/me")
            #expect(me.status == .ok)
            #expect(me.headers.first(name: .cacheControl) == "no-store")
            let refused = try await Browser(app).send(.GET, "/api/v1/me", body: nil, contentType: nil)
            #expect(refused.status == .unauthorized)
            #expect(refused.headers.first(name: .cacheControl) == "no-store")
            let browser = Browser(app)
            try await browser.logIn()
            let csv = try await browser.get("/finance/expenses.csv")
            #expect(csv.status == .ok)
            #expect(csv.headers.first(name: .cacheControl) == "no-store")
            #expect(try await browser.get("/dashboard").headers.first(name: .cacheControl) == "no-store")
            let page = try await browser.get("/dashboard")
            let stylesheet = try #require(
                page.text.range(of: #"href="/assets/app-"#).map {
                    String(page.text[page.text.index($0.lowerBound, offsetBy: 6)...].prefix { $0 != "\"" })
                })
            let asset = try await browser.get(stylesheet)
            #expect(asset.status == .ok)
            #expect(asset.headers.first(name: .cacheControl) == "public, max-age=31536000, immutable")
        }
    }

    /// Finding 5: every login to an unconfirmed account mailed another sign-up link. Now one per
    /// ten minutes; the answer ("confirm your address") stays the same.
    @Test func loginsToAnUnconfirmedAccountMailAtMostOneLinkPerTenMinutes() async throws {
        try await TestApp.run { app, clock in
            try await AccountRegistration(context: app.engine).request(
                SignUpForm(
                    email: "newcomer@example.com", password: "correct horse battery", name: "New Comer", country: "DE", language: .en),
                ip: "192.0.2.1")
            func links() async throws -> Int {
                try await OutboxEmailRecord.query(on: app.db).filter(\.$recipient == "newcomer@example.com").count()
            }
            #expect(try await links() == 1)
            let auth = Authentication(context: app.engine)
            clock.advance(by: 60)
            for _ in 0..<5 {
                await #expect(throws: LoginError.unconfirmed) {
                    try await auth.login(realm: .client, email: "newcomer@example.com", password: "correct horse battery", ip: "192.0.2.1")
                }
            }
            #expect(try await links() == 1)
            clock.advance(by: AccountRegistration.confirmationResendInterval)
            for _ in 0..<3 {
                await #expect(throws: LoginError.unconfirmed) {
                    try await auth.login(realm: .client, email: "newcomer@example.com", password: "correct horse battery", ip: "192.0.2.1")
                }
            }
            #expect(try await links() == 2)
        }
    }

    /// Finding 5: five reset requests from anyone blocked the owner's reset for an hour with a
    /// 429. Now the answer is always "sent"; past the limit nothing more is mailed.
    @Test func resetRequestsPastTheLimitAnswerSentAndMailNothingMore() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient(country: "DE", currency: .EUR)
            let before = try await OutboxEmailRecord.query(on: app.db).filter(\.$recipient == "anna@example.com").count()
            let browser = Browser(app)
            for _ in 0..<8 {
                _ = try await browser.get("/password/forgot")
                let answer = try await browser.post("/password/forgot", form: ["email": "anna@example.com"])
                #expect(answer.status == .ok)
                #expect(answer.text.contains("If an account uses this e-mail, a reset link is on its way."))
            }
            try await app.runJobs()
            let sent = try await OutboxEmailRecord.query(on: app.db).filter(\.$recipient == "anna@example.com").count() - before
            #expect(sent == RequestLimits().resetsPerEmailPerHour)
        }
    }

    /// Finding 5: NUL was accepted in e-mail addresses and payer names. Now every form text with
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
}
