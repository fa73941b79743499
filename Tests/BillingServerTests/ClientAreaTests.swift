import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import Fluent
import Testing
import Vapor
import VaporTesting

@Suite("Client area through the router")
struct ClientAreaTests {
    let nbsp = "\u{00A0}"

    @Test func signUpLogOutLogInJourney() async throws {
        try await TestApp.run { app, _ in
            let browser = Browser(app)
            #expect(try await browser.get("/").location == "/login")
            let form = try await browser.get("/signup")
            #expect(form.status == .ok)
            #expect(form.text.contains("Create an account"))
            #expect(browser.cookies["csrf_seed"] != nil)

            let signUp = try await browser.post(
                "/signup",
                form: [
                    "name": "Anna Client", "email": "Anna@Example.com",
                    "password": "correct horse battery", "country": "UA"
                ])
            // "Check your e-mail"; the e-mailed link finishes the sign-up and signs the user in.
            #expect(signUp.status == .ok)
            #expect(signUp.text.contains(#"data-testid="signup-sent""#))
            #expect(browser.cookies["bsid"] == nil)
            let mail = try #require(try await OutboxEmailRecord.query(on: app.db).filter(\.$recipient == "anna@example.com").first())
            #expect(mail.subject == "Finish opening your Demo Hosting account")
            // The server keeps passwords as bcrypt digests.
            let stored = try #require(try await UserRecord.query(on: app.db).filter(\.$email == "anna@example.com").first())
            #expect(stored.passwordHash.hasPrefix("$2b$"))
            #expect(!stored.passwordHash.contains("correct horse battery"))
            let token = try #require(try await app.mailedTokens(to: "anna@example.com", path: "/signup/confirm/").first)
            let link = "/signup/confirm/\(token)"
            // Logging in before confirming is refused with a new link.
            try await browser.get("/login")
            let early = try await browser.post("/login", form: ["email": "anna@example.com", "password": "correct horse battery"])
            #expect(early.status == .unauthorized)
            #expect(early.text.contains("Your e-mail address is not confirmed yet."))
            // Opening the link changes nothing; its button does.
            let confirmPage = try await browser.get(link)
            #expect(confirmPage.status == .ok)
            #expect(try await UserRecord.query(on: app.db).first()?.emailConfirmedAt == nil)
            // The link's page sets the password (here the one chosen at sign-up); a short one is
            // refused and changes nothing.
            let short = try await browser.post(link, form: ["password": "short"])
            #expect(short.status == .unprocessableEntity)
            #expect(short.text.contains("at least 12 characters"))
            #expect(try await UserRecord.query(on: app.db).first()?.emailConfirmedAt == nil)
            let confirmed = try await browser.post(link, form: ["password": "correct horse battery"])
            #expect(confirmed.status == .seeOther)
            #expect(confirmed.location == "/dashboard?notice=welcome")
            let firstSession = try #require(browser.cookies["bsid"])
            // The link works once.
            #expect(try await Browser(app).get(link).status == .gone)

            let dashboard = try await browser.get("/dashboard?notice=welcome")
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains("Welcome! Your account is open."))
            #expect(dashboard.text.contains("<dd>10001</dd>"))
            #expect(dashboard.text.contains("<dd>Ukraine</dd>"))
            #expect(dashboard.text.contains("<dd>2026-01-15</dd>"))
            #expect(dashboard.testID("dashboard-balance") == "€0.00")
            #expect(!dashboard.text.contains("header-debt"))

            let logout = try await browser.post("/logout", form: [:])
            #expect(logout.location == "/login?notice=logged_out")
            #expect(browser.cookies["bsid"] == nil)
            #expect(try await WebSessionRecord.query(on: app.db).count() == 0)

            // The old cookie is dead even if someone kept it.
            browser.cookies["bsid"] = firstSession
            #expect(try await browser.get("/dashboard").location?.hasPrefix("/login?next=") == true)

            try await browser.get("/login")
            let login = try await browser.post(
                "/login",
                form: [
                    "email": "anna@example.com", "password": "correct horse battery",
                    "next": "/finance/balance"
                ])
            #expect(login.location == "/finance/balance")
            let secondSession = try #require(browser.cookies["bsid"])
            #expect(secondSession != firstSession) // a new session id on every login
            #expect(try await browser.get("/finance/balance").status == .ok)
        }
    }

    /// At a phone's width every list with amounts or actions becomes stacked cards (app.css's
    /// `table.cards`), so nothing is off-screen; checked by eye in Chromium at 390 px (no page
    /// wider than the screen), here by the markup each list carries.
    @Test func listsWithAmountsAndActionsBecomeCardsOnAPhone() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, try MoneyFormat.parse("14.00", currency: .EUR, language: .en), key: "t")
            try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let browser = Browser(app)
            try await browser.logIn()
            let lists = [
                "/orders": "orders-paid", "/finance/autorenewal": "autorenewal-list", "/finance/expenses": "expenses",
                "/finance/balance": "ledger", "/services": "service-list"
            ]
            for (path, testID) in lists {
                let page = try await browser.get(path)
                #expect(page.text.contains(#"<table class="data cards" data-testid="\#(testID)""#), "\(path)")
            }
        }
    }

    @Test func wrongPasswordAndUnknownEmailGetTheSameAnswer() async throws {
        try await TestApp.run { app, _ in
            try await app.signUpClient(email: "anna@example.com")
            let browser = Browser(app)
            try await browser.get("/login")
            let wrong = try await browser.post("/login", form: ["email": "anna@example.com", "password": "not the password"])
            let unknown = try await browser.post("/login", form: ["email": "ghost@example.com", "password": "not the password"])
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.text.contains("Wrong e-mail or password."))
            #expect(unknown.text.contains("Wrong e-mail or password."))
            #expect(browser.cookies["bsid"] == nil)
        }
    }

    @Test func loginRedirectsOnlyWithinTheSite() async throws {
        try await TestApp.run { app, _ in
            try await app.signUpClient(email: "anna@example.com")
            let browser = Browser(app)
            try await browser.get("/login")
            let login = try await browser.post(
                "/login",
                form: [
                    "email": "anna@example.com", "password": "correct horse battery",
                    "next": "//evil.example/phish"
                ])
            #expect(login.location == "/dashboard")
        }
    }

    @Test func formsWithoutAValidCSRFTokenAreRefusedAndChangeNothing() async throws {
        try await TestApp.run { app, _ in
            let browser = Browser(app)
            try await browser.get("/signup")
            let form = ["name": "Mallory", "email": "mallory@example.com", "password": "correct horse battery", "country": "UA"]
            let missing = try await browser.post("/signup", form: form, csrf: .some(nil))
            #expect(missing.status == .forbidden)
            #expect(missing.text.contains("The form has expired"))
            let forged = try await browser.post("/signup", form: form, csrf: "forged-token")
            #expect(forged.status == .forbidden)
            // A cross-site POST has no seed cookie at all.
            browser.cookies = [:]
            let crossSite = try await browser.post("/signup", form: form, csrf: "anything")
            #expect(crossSite.status == .forbidden)
            #expect(try await UserRecord.query(on: app.db).count() == 0)
        }
    }

    @Test func signUpErrorsAreShownInTheUsersLanguage() async throws {
        try await TestApp.run { app, _ in
            try await app.signUpClient(email: "anna@example.com")
            let browser = Browser(app)
            browser.headers.replaceOrAdd(name: .acceptLanguage, value: "ru-RU,ru;q=0.9")
            try await browser.get("/signup")
            let short = try await browser.post(
                "/signup", form: ["name": "Борис", "email": "boris@example.com", "password": "short", "country": "RU"])
            #expect(short.status == .unprocessableEntity)
            #expect(short.text.contains("Пароль должен быть не короче 12 символов."))
            #expect(short.text.contains(#"value="boris@example.com""#)) // what was typed stays in the form
            // A taken address gets the same answer as a new one; its owner is told by e-mail.
            let taken = try await browser.post(
                "/signup",
                form: [
                    "name": "Анна", "email": "ANNA@example.com",
                    "password": "correct horse battery", "country": "RU"
                ])
            let fresh = try await browser.post(
                "/signup",
                form: [
                    "name": "Вера", "email": "vera@example.com",
                    "password": "correct horse battery", "country": "RU"
                ])
            #expect(taken.status == fresh.status)
            #expect(
                taken.text.replacingOccurrences(of: "ANNA@example.com", with: "X")
                    .replacingOccurrences(of: #"name="_once" value="[^"]*""#, with: "", options: .regularExpression)
                    == fresh.text.replacingOccurrences(of: "vera@example.com", with: "X")
                    .replacingOccurrences(of: #"name="_once" value="[^"]*""#, with: "", options: .regularExpression))
            #expect(taken.text.contains("Проверьте почту"))
            #expect(try await UserRecord.query(on: app.db).count() == 2)
            let told = try #require(try await OutboxEmailRecord.query(on: app.db).filter(\.$recipient == "anna@example.com").first())
            #expect(told.body.contains("already has one"))
        }
    }

    @Test func typedValuesAreEscapedWhenTheFormComesBack() async throws {
        try await TestApp.run { app, _ in
            let browser = Browser(app)
            try await browser.get("/signup")
            let attack = #""><script>alert(1)</script>"#
            let page = try await browser.post(
                "/signup", form: ["name": attack, "email": "x@example.com", "password": "short", "country": "UA"])
            #expect(page.status == .unprocessableEntity)
            #expect(!page.text.contains("<script>alert(1)"))
            #expect(page.text.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }

    @Test func languageSwitchChangesEveryTextAndIsRemembered() async throws {
        try await TestApp.run { app, _ in
            let registered = try await app.signUpClient(email: "anna@example.com")
            try await app.engine.ledger.post(
                try .credit(
                    client: registered.accountID, amount: Money(minor: 123_456, .EUR),
                    from: .openingBalances, kind: .openingBalance, memo: "Opening balance",
                    idempotencyKey: "open"), actor: .testSetUp)
            let browser = Browser(app)
            try await browser.logIn()
            let english = try await browser.get("/dashboard")
            #expect(english.text.contains("Account information"))
            #expect(english.testID("dashboard-balance") == "€1,234.56")

            let switched = try await browser.post("/lang", form: ["language": "uk", "back": "/dashboard"])
            #expect(switched.location == "/dashboard")
            #expect(browser.cookies["lang"] == "uk")
            let ukrainian = try await browser.get("/dashboard")
            #expect(ukrainian.text.contains("Інформація про акаунт"))
            #expect(ukrainian.testID("dashboard-balance") == "1\(nbsp)234,56\(nbsp)€")
            #expect(ukrainian.text.contains(#"<html lang="uk""#))
            #expect(try await UserRecord.find(registered.userID, on: app.db)?.language == .uk)

            // The choice follows the user to a browser without the cookie.
            let other = Browser(app)
            try await other.logIn()
            #expect(try await other.get("/dashboard").text.contains("Мій баланс"))
            #expect(try await browser.post("/lang", form: ["language": "xx", "back": "/"]).status == .badRequest)
        }
    }

    @Test func passwordResetThroughThePages() async throws {
        try await TestApp.run { app, _ in
            try await app.signUpClient(email: "anna@example.com")
            let browser = Browser(app)
            try await browser.get("/password/forgot")
            let known = try await browser.post("/password/forgot", form: ["email": "anna@example.com"])
            let unknown = try await browser.post("/password/forgot", form: ["email": "ghost@example.com"])
            try await JobWorker(context: app.engine, owner: "test").runDue() // the request's job queues the e-mail
            #expect(known.status == .ok)
            #expect(known.text.contains("a reset link is on its way"))
            #expect(unknown.text.contains("a reset link is on its way"))
            let outbox = try await OutboxEmailRecord.query(on: app.db).all()
            #expect(outbox.count == 1)
            let token = try #require(try await app.mailedTokens(to: "anna@example.com", path: "/password/reset/").first)
            let path = "/password/reset/\(token)"
            #expect(try await browser.get(path).status == .ok)
            let done = try await browser.post(path, form: ["password": "my new long password"])
            #expect(done.location == "/login?notice=password_changed")
            #expect(try await browser.get(path).status == .gone)
            try await browser.get("/login")
            #expect(
                try await browser.post("/login", form: ["email": "anna@example.com", "password": "my new long password"]).location
                    == "/dashboard")
        }
    }

    @Test func errorPagesSpeakTheUsersLanguage() async throws {
        try await TestApp.run { app, _ in
            let browser = Browser(app)
            browser.cookies["lang"] = "uk"
            let missing = try await browser.get("/no/such/page")
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("Помилка 404"))
            #expect(missing.text.contains("Тут нічого немає."))
        }
    }

    @Test func pagesCarrySecurityHeadersAndAssetsAreEmbedded() async throws {
        try await TestApp.run { app, _ in
            let browser = Browser(app)
            let login = try await browser.get("/login")
            #expect(login.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true)
            #expect(login.headers.first(name: "X-Frame-Options") == "DENY")
            let cookie = login.headers[.setCookie].first { $0.hasPrefix("csrf_seed=") } ?? ""
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            let stylesheet = try #require(login.text.range(of: #"/assets/app-[0-9a-f]{12}\.css"#, options: .regularExpression))
            let css = try await browser.get(String(login.text[stylesheet]))
            #expect(css.status == .ok)
            #expect(css.text.contains("--accent"))
            #expect(css.headers.first(name: .cacheControl)?.contains("immutable") == true)
            let health = try await browser.get("/health")
            #expect(health.status == .ok)
            #expect(health.text == "ok")
        }
    }
}
