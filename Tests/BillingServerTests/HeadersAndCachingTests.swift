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

/// Security headers on every answer, where forms may post, and what may be cached.
@Suite("Every answer carries its headers")
struct HeadersAndCachingTests {
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

    /// Found by a probe: API answers (the issued token among them) and CSV exports could be kept by a
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
}
