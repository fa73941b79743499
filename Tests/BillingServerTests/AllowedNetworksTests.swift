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

/// The account's allowed networks and code word (ACC-5): a login, a session's next page and an
/// API token from outside the list are refused with a clear message and appear in the history.
@Suite("Allowed networks and code word")
struct AllowedNetworksTests {
    @Test func addressesAndRangesParseAndContain() throws {
        let office = try #require(IPNetwork("203.0.113.77/24"))
        #expect(office.description == "203.0.113.0/24")
        #expect(office.contains(try #require(IPAddress("203.0.113.5"))))
        #expect(!office.contains(try #require(IPAddress("203.0.114.5"))))
        #expect(office.contains(try #require(IPAddress("::ffff:203.0.113.9")))) // IPv4 through IPv6
        let v6 = try #require(IPNetwork("2001:DB8::/32"))
        #expect(v6.description == "2001:db8:0:0:0:0:0:0/32")
        #expect(v6.contains(try #require(IPAddress("2001:db8:ffff::1"))))
        #expect(!v6.contains(try #require(IPAddress("2001:db9::1"))))
        #expect(IPNetwork("198.51.100.7")?.description == "198.51.100.7/32")
        for bad in [
            "", "300.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4/33", "2001:db8::/129", "2001:::1", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0",
            "example.com"
        ] {
            #expect(IPNetwork(bad) == nil, "\(bad) parsed")
        }
        let list = NetworkAllowList(stored: "203.0.113.0/24 2001:db8:0:0:0:0:0:0/32")
        #expect(list.admits("203.0.113.200"))
        #expect(!list.admits("192.0.2.1"))
        #expect(!list.admits("unknown"))
        #expect(NetworkAllowList.everywhere.admits("unknown"))
    }

    /// The office at 203.0.113.0/24, a café at 192.0.2.10: the browsers say where they are
    /// through the proxy the platform trusts.
    static func browser(_ app: Application, from address: String) -> Browser {
        let browser = Browser(app)
        browser.headers.replaceOrAdd(name: .xForwardedFor, value: address)
        return browser
    }

    @Test func outsideTheListALoginASessionAndATokenAreRefusedAndRecorded() async throws {
        let behindTheProxy: (inout AppConfig) -> Void = { $0.trustedProxies = TrustedProxies(["unknown", "127.0.0.1"]) }
        try await TestApp.run(adjust: behindTheProxy) { app, _ in
            let anna = try await app.signUpClient()
            let office = Self.browser(app, from: "203.0.113.20")
            try await office.logIn()
            let cafe = Self.browser(app, from: "192.0.2.10")
            try await cafe.logIn()
            let cafeToken = try await APITokens(context: app.engine).issue(
                email: "anna@example.com", password: "correct horse battery", name: "script", ip: "192.0.2.10")
            let page = try await cafe.get("/account/security")
            #expect(page.testID("your-address") == "192.0.2.10")

            // From the café, a list without the café asks to confirm, and changes nothing until then.
            let refused = try await cafe.post("/account/security/networks", form: ["networks": "203.0.113.0/24\n2001:db8::/32"])
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("Your address 192.0.2.10 is not in this list"))
            #expect(refused.text.contains("name=\"confirm_lockout\""))
            #expect(try await app.accountRecord(anna.accountID).allowedNetworks == nil)
            let bad = try await cafe.post("/account/security/networks", form: ["networks": "203.0.113.0/24\nthe office"])
            #expect(bad.status == .unprocessableEntity)
            #expect(PageText.readable(bad.text).contains("\"the office\" is not an address or a CIDR range."))
            // From the office it is saved at once.
            try await office.get("/account/security")
            #expect(
                try await office.post("/account/security/networks", form: ["networks": "203.0.113.0/24\n2001:db8::/32"]).location
                    == "/account/security?notice=networks_saved")
            #expect(try await app.accountRecord(anna.accountID).allowedNetworks == "203.0.113.0/24 2001:db8:0:0:0:0:0:0/32")

            // The café's open session ends at its next page, with the reason on the login page.
            #expect(try await cafe.get("/dashboard").location == "/login?notice=address_not_allowed")
            let login = try await cafe.logIn()
            #expect(login.status == .forbidden)
            #expect(login.text.contains("This account accepts logins only from the addresses its owner listed"))
            // The café's token stops working; the office's browser works on.
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: cafeToken.token)
            headers.replaceOrAdd(name: .xForwardedFor, value: "192.0.2.10")
            let api = try await Browser(app).send(.GET, "/api/v1/me", body: nil, contentType: nil, extraHeaders: headers)
            #expect(api.status == .forbidden)
            #expect(errorCode(api) == "address_not_allowed")
            headers.replaceOrAdd(name: .xForwardedFor, value: "203.0.113.99")
            #expect(try await Browser(app).send(.GET, "/api/v1/me", body: nil, contentType: nil, extraHeaders: headers).status == .ok)
            #expect(try await office.get("/dashboard").status == .ok)

            // The history names the reason for both.
            let history = try await office.get("/account/security")
            #expect(history.testIDs("login-outcome").prefix(2) == ["Address not allowed", "Address not allowed"])
        }
    }

    @Test func supportSeesOnlyWhetherTheCodeWordMatches() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            let browser = Browser(app)
            try await browser.logIn()
            try await browser.get("/account/security")
            #expect(try await browser.post("/account/security/code-word", form: ["word": "abc"]).status == .unprocessableEntity)
            #expect(
                try await browser.post("/account/security/code-word", form: ["word": "Blue Fox 42"]).location
                    == "/account/security?notice=code_word_saved")
            let stored = try #require(try await app.accountRecord(anna.accountID).codeWordHash)
            #expect(!stored.contains("Blue") && !stored.lowercased().contains("blue fox"))

            let support = try await Browser.staff(app, role: .support)
            let card = "/admin/clients/\(anna.accountID.uuidString.lowercased())"
            let page = try await support.get(card)
            #expect(page.testID("code-word-check") != nil)
            #expect(!page.text.contains("Blue Fox"))
            #expect(
                try await support.post(card + "/code-word", form: ["word": "blue fox 42"]).location == card + "?notice=code_word_matches")
            try await support.get(card)
            #expect(try await support.post(card + "/code-word", form: ["word": "red fox"]).location == card + "?notice=code_word_differs")
            for _ in 0..<4 {
                try await support.get(card)
                try await support.post(card + "/code-word", form: ["word": "guess"])
            }
            try await support.get(card)
            #expect(
                try await support.post(card + "/code-word", form: ["word": "blue fox 42"]).location == card + "?notice=code_word_throttled")
        }
    }
}
