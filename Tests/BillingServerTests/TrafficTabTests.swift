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

/// A server's Traffic tab (SVC-5): the chart drawn from the hours, the totals in the reader's
/// language, the spans, and who may look.
@Suite("Traffic tab")
struct TrafficTabTests {
    @Test func theTabDrawsTheHoursWithTotalsInTheReadersLanguage() async throws {
        try await TestApp.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let path = "/services/\(service.id!.uuidString.lowercased())/traffic"
            let browser = Browser(app)
            try await browser.logIn()
            // Nothing counted yet: the chart says so beside its empty bars.
            let empty = try await browser.get(path)
            #expect(PageText.testID("traffic-empty", in: empty.text) != nil)
            #expect(PageText.testIDs("traffic-bar", in: empty.text).count == 24)
            // Two hours: the one before the clock's and the clock's own.
            let hour = Date(timeIntervalSince1970: (clock.now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
            try await TrafficHourRecord(serviceID: service.id!, hour: hour.addingTimeInterval(-3600), rxBytes: 512 << 20, txBytes: 1 << 30)
                .create(on: app.db)
            try await TrafficHourRecord(serviceID: service.id!, hour: hour, rxBytes: 1 << 30, txBytes: 2 << 30).create(on: app.db)

            let day = try await browser.get(path)
            #expect(day.status == .ok)
            #expect(PageText.testID("traffic-empty", in: day.text) == nil)
            #expect(day.text.contains(#"class="tab active" data-testid="tab-traffic""#))
            #expect(PageText.testID("traffic-in", in: day.text) == "1.5 GiB")
            #expect(PageText.testID("traffic-out", in: day.text) == "3.0 GiB")
            #expect(PageText.testIDs("traffic-bar", in: day.text).count == 24)
            // The bar's tooltip names the hour and its figures.
            #expect(day.text.contains("↓ 1.0 GiB, ↑ 2.0 GiB</title>"))
            // The week has seven bars; both hours fall on today.
            let week = try await browser.get(path + "?span=week")
            #expect(PageText.testIDs("traffic-bar", in: week.text).count == 7)
            #expect(week.text.contains(#"class="tab active" data-testid="span-week""#))
            #expect(PageText.testID("traffic-in", in: week.text) == "1.5 GiB")
            #expect(PageText.testIDs("traffic-bar", in: try await browser.get(path + "?span=year").text).count == 12)
            // An unknown span is the day's chart.
            #expect(PageText.testIDs("traffic-bar", in: try await browser.get(path + "?span=decade").text).count == 24)

            _ = try await browser.post("/lang", form: ["language": "uk", "back": path])
            let ukrainian = try await browser.get(path)
            #expect(PageText.testID("traffic-in", in: ukrainian.text) == "1,5 ГіБ")
            #expect(ukrainian.text.contains("Трафік за останні 24 години, по годинах"))

            // A helper without the services right is refused; another account sees nothing.
            let helper = try await AccessTableTests.subUser(app, account: client.accountID, rights: [.viewFinance])
            #expect(try await helper.browser.get(path).status == .forbidden)
            _ = try await app.signUpClient(email: "other@example.com", country: "DE", currency: .EUR)
            let stranger = Browser(app)
            try await stranger.logIn("other@example.com")
            #expect(try await stranger.get(path).status == .notFound)
        }
    }
}
