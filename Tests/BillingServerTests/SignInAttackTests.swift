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

/// Attacks on signing in: lockouts, addresses registered by someone else, mail floods, forged addresses.
@Suite("Sign-in, sign-up and resets hold against an attacker")
struct SignInAttackTests {
    /// Found by a probe: 105 wrong passwords from 21 addresses in seconds locked a customer (or a member
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

    /// Found by a probe: an attacker signed up with the victim's address and a password of its own; the
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

    /// Found by a probe: every login to an unconfirmed account mailed another sign-up link. Now one per
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

    /// Found by a probe: five reset requests from anyone blocked the owner's reset for an hour with a
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
