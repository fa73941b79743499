import BillingDomain
import BillingTestSupport
import Foundation
import Testing
import Vapor

@testable import BillingServer

/// Pages are registered and linked through `SiteURL` only (docs/DESIGN.md, "Typed routes").
@Suite("Typed routes")
struct RoutingTests {
    @Test func everyPageRouteIsASiteURLAndEverySiteURLIsRouted() async throws {
        try await TestApp.run { app, _ in
            // The API's generated routes, gateways' notices, the sandbox gateway's own pages,
            // static assets and the health check are not pages of the site.
            let foreign = ["api/v1", "webhooks", "sandbox-gateway", "assets", "health", "favicon"]
            let registered = Set(
                app.routes.all.map { "/" + $0.path.map(\.description).joined(separator: "/") }
                    .filter { path in !foreign.contains { path.dropFirst().hasPrefix($0) } })
            let declared = Set(SiteURL.every.map(\.path))
            #expect(registered.subtracting(declared) == [], "routes registered without a SiteURL")
            #expect(declared.subtracting(registered) == [], "SiteURLs nothing answers")
            #expect(declared.count == SiteURL.every.count, "two SiteURLs with one path")
            #expect(registered.count > 50)
        }
    }

    /// E-mails get their links from the same typed routes (`SiteLinkBuilder`); a secret link is
    /// the route with the placeholder where its token goes.
    @Test func theEnginesLinksComeFromTheRoutes() {
        let links = SiteLinkBuilder(baseURL: "https://billing.example")
        #expect(links.url(.login) == "https://billing.example/login")
        #expect(links.url(.passwordForgot) == "https://billing.example/password/forgot")
        #expect(links.url(MailLink.passwordReset) == "https://billing.example/password/reset/{token}")
        #expect(links.url(MailLink.signUpConfirmation) == "https://billing.example/signup/confirm/{token}")
        #expect(links.url(MailLink.signIn) == "https://billing.example/login/link/{token}")
        #expect(links.url(MailLink.staffSignIn) == "https://billing.example/admin/login/link/{token}")
        for link in MailLink.allCases { #expect(links.url(link).hasSuffix("/" + MailLink.placeholder)) }
        // Engine tests, which run without the server, write the same links.
        let engineTests = TestSiteLinks(baseURL: "https://billing.example")
        for link in MailLink.allCases { #expect(engineTests.url(link) == links.url(link)) }
        for page in PublicPage.allCases { #expect(engineTests.url(page) == links.url(page)) }
    }

    @Test func linksAreBuiltWithOneEncoder() {
        let service = UUID(uuidString: "8D3F1A52-0000-4000-8000-000000000001")!
        #expect(SiteURL.service(.value(service)).path == "/services/8d3f1a52-0000-4000-8000-000000000001")
        #expect(SiteURL.serviceAction(.key, .stop).path == "/services/:serviceID/stop")
        #expect(SiteURL.staff(.paymentRefund(.value(service))).path == "/admin/payments/8d3f1a52-0000-4000-8000-000000000001/refund")
        #expect(SiteURL.staff(.clients).path == "/admin")
        #expect(SiteURL.root.path == "/")
        // A value keeps its meaning whatever it holds: `&`, `=`, `+`, `/`, `?`, spaces, Cyrillic.
        #expect(
            SiteURL.login.path(["next": "/services?type=vps&q=a+b c"])
                == "/login?next=%2Fservices%3Ftype%3Dvps%26q%3Da%2Bb%20c")
        #expect(SiteURL.services.path(["q": "сервер", "status": nil]) == "/services?q=%D1%81%D0%B5%D1%80%D0%B2%D0%B5%D1%80")
        #expect(SiteURL.orders.notice("order_paid") == "/orders?notice=order_paid")
        #expect(SiteURL.payLink(.value("a/b")).path == "/pay/a%2Fb")
    }
}
