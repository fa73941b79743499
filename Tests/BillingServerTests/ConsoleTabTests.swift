import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import EngineTestSupport
import Fluent
import Foundation
import Provisioning
import Testing
import Vapor
import VaporTesting

/// The IP-KVM tab of a VPS (SVC-4): the console's address on the tab, its password only when
/// the client asks (a POST, never kept by a cache), written to the history; sub-users who may
/// only look, strangers and a stopped server get no password.
@Suite("IP-KVM tab")
struct ConsoleTabTests {
    @Test func theClientAsksForTheConsolePasswordAndOnlyTheyGetIt() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            #expect(service.status == .active)
            let path = "/services/\(service.id!.uuidString.lowercased())"
            let expected = try #require(SimulatedProcessingModule().vncConsole(forService: service.number))

            let browser = Browser(app)
            try await browser.logIn()
            let details = try await browser.get(path)
            #expect(details.text.contains(#"<a href="\#(path)/kvm" class="tab" data-testid="tab-console">IP-KVM</a>"#))
            let tab = try await browser.get(path + "/kvm")
            #expect(tab.status == .ok)
            #expect(PageText.testID("console-address", in: tab.text) == "10.20.0.2:\(5900 + service.number)")
            #expect(!tab.text.contains(expected.password))
            #expect(PageText.testID("console-open", in: tab.text) != nil)

            let opened = try await browser.post(path + "/console", form: [:])
            #expect(opened.status == .ok)
            #expect(PageText.testID("console-password", in: opened.text) == expected.password)
            #expect(opened.headers.first(name: .cacheControl) == "no-store")
            #expect(opened.text.contains(#"href="vnc://10.20.0.2:\#(5900 + service.number)""#))
            let history = try await browser.get(path)
            #expect(history.text.contains("Console opened"))

            // In Russian and Ukrainian, the same tab.
            _ = try await browser.post("/lang", form: ["language": "ru", "back": path + "/kvm"])
            #expect(try await browser.get(path + "/kvm").text.contains("Показать пароль консоли"))
            _ = try await browser.post("/lang", form: ["language": "uk", "back": path + "/kvm"])
            #expect(try await browser.get(path + "/kvm").text.contains("Показати пароль консолі"))
            _ = try await browser.post("/lang", form: ["language": "en", "back": path + "/kvm"])

            // A helper who may only look sees the address and no form; posting is refused.
            let helper = try await AccessTableTests.subUser(app, account: client.accountID, rights: [.viewServices])
            let readOnly = try await helper.browser.get(path + "/kvm")
            #expect(PageText.testID("console-address", in: readOnly.text) != nil)
            #expect(PageText.testID("console-open", in: readOnly.text) == nil)
            #expect(PageText.testID("console-readonly", in: readOnly.text) != nil)
            let refused = try await helper.browser.post(path + "/console", form: [:])
            #expect(refused.status == .forbidden)
            #expect(!refused.text.contains(expected.password))

            // Another account sees no such service.
            _ = try await app.signUpClient(email: "other@example.com", country: "DE", currency: .EUR)
            let stranger = Browser(app)
            try await stranger.logIn("other@example.com")
            #expect(try await stranger.get(path + "/kvm").status == .notFound)
            let foreign = try await stranger.post(path + "/console", form: [:])
            #expect(foreign.status == .notFound)
            #expect(!foreign.text.contains(expected.password))

            // A stopped server's console does not open.
            _ = try await browser.post(path + "/stop", form: [:])
            try await app.runJobs()
            let stopped = try await browser.get(path + "/kvm")
            #expect(PageText.testID("console-unavailable", in: stopped.text) == "The console opens while the server is active.")
            #expect(PageText.testID("console-open", in: stopped.text) == nil)
            let closed = try await browser.post(path + "/console", form: [:])
            #expect(closed.status == .unprocessableEntity)
            #expect(!closed.text.contains(expected.password))
        }
    }
}
