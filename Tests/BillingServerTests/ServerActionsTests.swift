import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import EngineTestSupport
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// A server's actions on its Details tab (SVC-3): reinstall from the plan's list of operating
/// systems behind a warning, Processing (reinstall) until the module answers.
@Suite("Server actions")
struct ServerActionsTests {
    @Test func theClientReinstallsWithAnOSOfThePlan() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            #expect(service.osImage == "Debian 12")
            let path = "/services/\(service.id!.uuidString.lowercased())"
            let browser = Browser(app)
            try await browser.logIn()
            let details = try await browser.get(path)
            #expect(PageText.testID("reinstall-form", in: details.text) != nil)
            #expect(
                details.text.contains(
                    #"<option value="Debian 12" selected>Debian 12</option><option value="Ubuntu 24.04">Ubuntu 24.04</option>"#))
            #expect(details.text.contains("Everything on its disk is erased and cannot be recovered."))

            // An OS the plan does not list: refused, nothing queued.
            let refused = try await browser.post(path + "/reinstall", form: ["os": "Windows 11"])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("Choose one of the operating systems of the server"))
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == .serviceReinstall).count() == 0)

            let asked = try await browser.post(path + "/reinstall", form: ["os": "Ubuntu 24.04"])
            #expect(asked.location == path + "?notice=service_reinstalling")
            let processing = try await browser.get(try #require(asked.location))
            #expect(PageText.testID("service-status", in: processing.text) == "Processing")
            #expect(processing.text.contains("The server is being reinstalled."))
            // While it reinstalls, no second reinstall is offered.
            #expect(PageText.testID("reinstall-form", in: processing.text) == nil)
            try await app.runJobs()
            let done = try await browser.get(path)
            #expect(PageText.testID("service-status", in: done.text) == "Active")
            #expect(done.text.contains("<dd>Ubuntu 24.04</dd>"))
            #expect(done.text.contains("Reinstalled"))
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.osImage == "Ubuntu 24.04")

            // A refused reverse DNS name comes back into the field escaped, never as markup.
            let hostile = try await browser.post(
                path + "/rdns", form: ["address": service.ipAddress ?? "", "name": #""><script>alert(1)</script>"#])
            #expect(hostile.status == .unprocessableEntity)
            #expect(!hostile.text.contains("<script>alert(1)"))
            #expect(hostile.text.contains(#"value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;""#))

            // A helper who may only look has no form, and the route refuses them.
            let helper = try await AccessTableTests.subUser(app, account: client.accountID, rights: [.viewServices])
            #expect(PageText.testID("reinstall-form", in: try await helper.browser.get(path).text) == nil)
            #expect(try await helper.browser.post(path + "/reinstall", form: ["os": "Debian 12"]).status == .forbidden)
        }
    }

    /// The login data on the Details tab (seed 001): the user always, the password when the
    /// client asks (no-store, in the history); a reinstall hands over a new one; a sub-user who
    /// may only look and a stranger never see it.
    @Test func theClientReadsTheLoginDataAndAReinstallChangesIt() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let path = "/services/\(service.id!.uuidString.lowercased())"
            let stored = try #require(try await ServiceLoginRecord.query(on: app.db).filter(\.$serviceID == service.id!).first())
            let sealed = stored.passwordSealed
            let expected = String(decoding: try #require(app.engine.secrets.open(sealed)), as: UTF8.self)
            #expect(expected.count == 16)
            #expect(!sealed.contains(expected))

            let browser = Browser(app)
            try await browser.logIn()
            let details = try await browser.get(path)
            #expect(PageText.testID("login-user", in: details.text) == "root")
            #expect(!details.text.contains(expected))
            let shown = try await browser.post(path + "/login", form: [:])
            #expect(shown.status == .ok)
            #expect(PageText.testID("login-password", in: shown.text) == expected)
            #expect(shown.headers.first(name: .cacheControl) == "no-store")
            #expect(try await browser.get(path).text.contains("Login data shown"))

            let helper = try await AccessTableTests.subUser(app, account: client.accountID, rights: [.viewServices])
            let readOnly = try await helper.browser.get(path)
            #expect(PageText.testID("login-user", in: readOnly.text) == "root")
            #expect(PageText.testID("login-show", in: readOnly.text) == nil)
            let refused = try await helper.browser.post(path + "/login", form: [:])
            #expect(refused.status == .forbidden)
            #expect(!refused.text.contains(expected))
            _ = try await app.signUpClient(email: "other@example.com", country: "DE", currency: .EUR)
            let stranger = Browser(app)
            try await stranger.logIn("other@example.com")
            let foreign = try await stranger.post(path + "/login", form: [:])
            #expect(foreign.status == .notFound)
            #expect(!foreign.text.contains(expected))

            // A reinstall sets a new password; until it is done the old one is shown.
            _ = try await browser.post(path + "/reinstall", form: ["os": "Ubuntu 24.04"])
            #expect(PageText.testID("login-password", in: try await browser.post(path + "/login", form: [:]).text) == expected)
            try await app.runJobs()
            let after = try await browser.post(path + "/login", form: [:])
            let renewed = try #require(PageText.testID("login-password", in: after.text))
            #expect(renewed != expected)
            #expect(renewed.count == 16)
        }
    }

    /// The power buttons (seed 001 "disable / reboot / enable"): a reboot, and the hard reset
    /// for a server that hangs, each through Processing and a job, with its own history line.
    @Test func theClientRebootsAndHardResetsAServerFromItsPage() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "UA", language: .uk, currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            try await app.runJobs()
            let path = "/services/\(service.id!.uuidString.lowercased())"
            let browser = Browser(app)
            try await browser.logIn()
            let page = try await browser.get(path)
            #expect(page.text.contains(#"action="\#(path)/reboot""#))
            let reset = try #require(PageText.testID("hard-reset", in: page.text))
            #expect(reset.contains("Жорстке перезавантаження"))
            #expect(page.text.contains(#"name="mode" value="hard""#))

            let rebooted = try await browser.post(path + "/reboot", form: [:])
            #expect(rebooted.location == "\(path)?notice=service_rebooting")
            let graceful = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == .serviceReboot).first())
            #expect(!graceful.payload.contains("hardReset"))
            // While it reboots, neither button is offered and a reset is refused.
            let busy = try await browser.get(path)
            #expect(PageText.testID("hard-reset", in: busy.text) == nil)
            #expect(try await browser.post(path + "/reboot", form: ["mode": "hard"]).status == .unprocessableEntity)
            try await app.runJobs()

            _ = try await browser.get(path)
            let hard = try await browser.post(path + "/reboot", form: ["mode": "hard"])
            #expect(hard.location == "\(path)?notice=service_resetting")
            let shown = try await browser.get(path + "?notice=service_resetting")
            #expect(shown.text.contains("Живлення сервера вимикається і вмикається знову."))
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.operation == .reboot)
            try await app.runJobs()
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)
            let after = try await browser.get(path)
            #expect(after.text.contains("Запитано жорстке перезавантаження"))
            let events = try await ServiceEventRecord.query(on: app.db).filter(\.$serviceID == service.id!).sort(\.$at).all().map(\.event)
            #expect(events.suffix(4) == ["reboot_requested", "rebooted", "reset_requested", "rebooted"])
        }
    }
}
