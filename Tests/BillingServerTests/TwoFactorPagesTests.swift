import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import BillingServer

/// The two-step login as a user goes through it in the browser (ACC-4): enrol by reading the
/// key from the page, log out, log in with a computed code; a reused code is refused; a
/// recovery code works once; the API asks for the code too.
@Suite("Two-step login pages")
struct TwoFactorPagesTests {
    @Test func aUserEnrolsLogsInWithACodeAndARecoveryCodeWorksOnce() async throws {
        try await TestApp.run { app, clock in
            _ = try await app.signUpClient()
            let anna = Browser(app)
            try await anna.logIn()
            let before = try await anna.get("/account/security")
            #expect(before.testID("two-factor-status") == "Off")
            try await anna.post("/account/security/two-factor-start", form: [:])
            let enrolling = try await anna.get("/account/security")
            let key = try #require(enrolling.testID("totp-secret"))
            #expect(key.count == 39) // 32 base32 letters in groups of four
            #expect(enrolling.text.contains("<svg"))
            let secret = try #require(Base32.decode(key))
            func code() -> String { TOTP.code(secret: secret, step: TOTP.step(at: clock.now)) }

            let wrong = try await anna.post("/account/security/two-factor-confirm", form: ["code": "000000"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.text.contains("The code is not right, or it was used already."))
            let confirmed = try await anna.post("/account/security/two-factor-confirm", form: ["code": code()])
            #expect(confirmed.status == .ok)
            let recovery = confirmed.testIDs("recovery-code")
            #expect(recovery.count == 10)
            #expect(confirmed.headers.first(name: .cacheControl) == "no-store")
            #expect(confirmed.testID("two-factor-status") == "On")
            // Shown once: the page does not show them again.
            #expect(try await anna.get("/account/security").testIDs("recovery-code").isEmpty)

            // Log out; the password alone now opens only the code page.
            try await anna.post("/logout", form: [:])
            let browser = Browser(app)
            let password = try await browser.logIn()
            #expect(password.location == "/login/code")
            #expect(try await browser.get("/dashboard").location?.hasPrefix("/login") == true)
            #expect(try await browser.get("/login/code").status == .ok)
            // The code used to confirm was spent in this step: it is refused.
            let reused = try await browser.post("/login/code", form: ["code": code()])
            #expect(reused.status == .unprocessableEntity)
            clock.advance(by: 30)
            let next = code()
            #expect(try await browser.post("/login/code", form: ["code": next]).location == "/dashboard")
            #expect(try await browser.get("/dashboard").status == .ok)

            // Another browser with the same code in the same step: refused.
            let thief = Browser(app)
            try await thief.logIn()
            try await thief.get("/login/code")
            #expect(try await thief.post("/login/code", form: ["code": next]).status == .unprocessableEntity)
            // A recovery code works once.
            #expect(try await thief.post("/login/code", form: ["code": recovery[0]]).location == "/dashboard")
            let again = Browser(app)
            try await again.logIn()
            try await again.get("/login/code")
            #expect(try await again.post("/login/code", form: ["code": recovery[0]]).status == .unprocessableEntity)
            // Without the password step the code page sends back to the login.
            #expect(try await Browser(app).get("/login/code").location == "/login")
            let noCookie = Browser(app)
            try await noCookie.get("/login")
            #expect(try await noCookie.post("/login/code", form: ["code": recovery[1]]).location == "/login?notice=login_code_expired")

            // The API asks for the code too.
            let bare = try await Browser(app).send(
                .POST, "/api/v1/auth/tokens", body: #"{"email":"anna@example.com","password":"correct horse battery"}"#,
                contentType: "application/json")
            #expect(bare.status == .unauthorized)
            #expect(errorCode(bare) == "code_required")
            clock.advance(by: 30)
            let withCode = try await Browser(app).send(
                .POST, "/api/v1/auth/tokens",
                body: #"{"email":"anna@example.com","password":"correct horse battery","code":"\#(code())"}"#,
                contentType: "application/json")
            #expect(withCode.status == .created)

            // Turning it off needs a code.
            clock.advance(by: 30)
            try await browser.get("/account/security")
            #expect(try await browser.post("/account/security/two-factor-disable", form: ["code": ""]).status == .unprocessableEntity)
            // That was the fifth wrong code in 15 minutes: even the right one waits now.
            let throttled = try await browser.post("/account/security/two-factor-disable", form: ["code": code()])
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.text.contains("Too many wrong codes. Try again in 15 minutes."))
            clock.advance(by: 15 * 60)
            #expect(
                try await browser.post("/account/security/two-factor-disable", form: ["code": code()]).location
                    == "/account/security?notice=two_factor_off")
            let plain = Browser(app)
            #expect(try await plain.logIn().location == "/dashboard")
        }
    }
}
