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
}
