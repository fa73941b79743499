import BillingDomain
import BillingServer
import BillingStore
import BillingTestSupport
import EngineTestSupport
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// A server's Network tab (SVC-5) on a real PowerDNS: the client sets the reverse DNS of the
/// server's address, the job writes it, and `dig` reads it back as a mail server would.
@Suite("Network tab and reverse DNS", .enabled(if: PowerDNSServer.available))
struct NetworkTabTests {
    @Test func theClientSetsReverseDNSAndDigAnswersIt() async throws {
        let nameServer = HostName("ns1.demo-hosting.example")!
        let withPowerDNS: (inout AppConfig) -> Void = { $0.powerDNS = (PowerDNSServer.api, PowerDNSServer.key, "localhost", [nameServer]) }
        try await TestApp.run(adjust: withPowerDNS) { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            #expect(service.status == .active)
            // An address of the test's own (runs on both databases share the one PowerDNS).
            let address = "198.51.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))"
            service.ipAddress = address
            try await service.update(on: app.db)
            let path = "/services/\(service.id!.uuidString.lowercased())"

            let browser = Browser(app)
            try await browser.logIn()
            let details = try await browser.get(path)
            #expect(details.text.contains(#"<a href="\#(path)/network" class="tab" data-testid="tab-network">Network</a>"#))
            let tab = try await browser.get(path + "/network")
            #expect(tab.status == .ok)
            #expect(tab.text.contains(#"class="tab active" data-testid="tab-network""#))
            #expect(PageText.testID("network-mac", in: tab.text) == "52:54:00:00:\(Self.macTail(service.number))")
            #expect(tab.text.contains("<dd>255.255.0.0</dd>"))
            #expect(tab.text.contains("<code>\(address)</code>"))
            #expect(!tab.text.contains(#"data-testid="rdns-status""#))

            // A name that is not a host name: the message, the typed value, nothing stored.
            let bad = try await browser.post(path + "/rdns", form: ["address": address, "name": "mail server!"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("Enter a host name such as mail.example.com"))
            #expect(bad.text.contains(#"value="mail server!""#))
            #expect(try await ReverseRecord.query(on: app.db).count() == 0)
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == .dnsReverse).count() == 0)
            // In the client's language.
            _ = try await browser.post("/lang", form: ["language": "ru", "back": path + "/network"])
            let russian = try await browser.post(path + "/rdns", form: ["address": address, "name": "-bad-.example"])
            #expect(russian.text.contains("Введите имя хоста, например mail.example.com"))
            _ = try await browser.post("/lang", form: ["language": "en", "back": path + "/network"])
            // An address that is not the server's.
            let foreign = try await browser.post(path + "/rdns", form: ["address": "198.51.100.200", "name": "mail.client.example"])
            #expect(foreign.status == .unprocessableEntity)
            #expect(foreign.text.contains("This address does not belong to the server."))

            let saved = try await browser.post(path + "/rdns", form: ["address": address, "name": "Mail.Client.Example."])
            #expect(saved.location == path + "/network?notice=rdns_saved")
            let pending = try await browser.get(try #require(saved.location))
            #expect(pending.text.contains("Reverse DNS saved. It takes effect within minutes."))
            #expect(PageText.testID("rdns-status", in: pending.text) == "Being applied")
            #expect(pending.text.contains(#"value="mail.client.example""#))
            // Saving the same name again is no new work.
            _ = try await browser.post(path + "/rdns", form: ["address": address, "name": "mail.client.example"])
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == .dnsReverse).count() == 1)

            try await app.runJobs()
            let applied = try await browser.get(path + "/network")
            #expect(PageText.testID("rdns-status", in: applied.text) == "Active")
            #expect(try PowerDNSServer.dig(IPAddress(address)!) == "mail.client.example.")
            let history = try await browser.get(path)
            #expect(history.text.contains("\(address) → mail.client.example"))

            // A helper who may only look sees the name and no form; posting is refused.
            let helper = try await AccessTableTests.subUser(app, account: client.accountID, rights: [.viewServices])
            let readOnly = try await helper.browser.get(path + "/network")
            #expect(PageText.testID("rdns-name", in: readOnly.text) == "mail.client.example")
            #expect(!readOnly.text.contains(#"data-testid="rdns-input""#))
            let refused = try await helper.browser.post(path + "/rdns", form: ["address": address, "name": "x.client.example"])
            #expect(refused.status == .forbidden)

            // Another account sees no such service.
            _ = try await app.signUpClient(email: "other@example.com", country: "DE", currency: .EUR)
            let stranger = Browser(app)
            try await stranger.logIn("other@example.com")
            #expect(try await stranger.get(path + "/network").status == .notFound)
            #expect(try await stranger.post(path + "/rdns", form: ["address": address, "name": "evil.example"]).status == .notFound)

            // Emptying the name removes the record from the DNS.
            _ = try await browser.post(path + "/rdns", form: ["address": address, "name": ""])
            try await app.runJobs()
            #expect(try PowerDNSServer.dig(IPAddress(address)!) == "")
            let removed = try await browser.get(path + "/network")
            #expect(PageText.testID("rdns-status", in: removed.text) == "Active")
            // The field is empty again (no value at all).
            #expect(
                removed.text.contains(
                    #"<input type="text" name="name" id="rdns-\#(address.replacingOccurrences(of: ".", with: "-"))" placeholder="server.example.com""#
                ))

            // A deleted server's address points back at nothing: the next client to get it does
            // not inherit the name.
            _ = try await browser.post(path + "/rdns", form: ["address": address, "name": "mx.client.example"])
            try await app.runJobs()
            #expect(try PowerDNSServer.dig(IPAddress(address)!) == "mx.client.example.")
            let deleting = try await browser.post(path + "/delete", form: [:])
            #expect(deleting.location == "/services?notice=service_deleted")
            try await app.runJobs()
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .deleted)
            #expect(try PowerDNSServer.dig(IPAddress(address)!) == "")
            #expect(try await ReverseRecord.query(on: app.db).first()?.status == .applied)
        }
    }

    /// The last two bytes of the MAC the simulated module derives from a service number.
    static func macTail(_ number: Int) -> String {
        String(format: "%02x:%02x", (number >> 8) & 0xff, number & 0xff)
    }
}
