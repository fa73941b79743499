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

/// The outbox never hands out a way into an account, and production refuses to start unsafe.
@Suite("The outbox and a production start leak nothing")
struct OutboxAndStartUpTests {
    /// Found by a probe (high): support read a live reset link on /admin/outbox, reset the client's
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
}
