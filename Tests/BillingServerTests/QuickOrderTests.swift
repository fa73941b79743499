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

/// Quick orders (CAT-4, seed 002 "Требуется настройка"): a server bought in one click with the
/// plan's defaults and no name; once paid it waits in "configuration required", opens nothing
/// and charges exactly the plan's price, until the client names it and it opens.
@Suite("Quick orders")
struct QuickOrderTests {
    @Test func aQuickOrderIsPaidThenWaitsForItsNameAndOpensOnceNamed() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let browser = Browser(app)
            try await browser.logIn()
            let plans = try await browser.get("/order?type=vps")
            let quick = "/order/\(catalog.monthly.uuidString.lowercased())/quick"
            #expect(plans.text.contains(#"action="\#(quick)""#))
            // Domains are sold by their name: no quick order, and the route refuses one.
            #expect(!(try await browser.get("/order?type=domain")).text.contains("/quick\""))
            #expect(try await browser.post("/order/\(catalog.domain.uuidString.lowercased())/quick", form: [:]).status == .notFound)

            let added = try await browser.post(quick, form: [:])
            #expect(added.location == "/cart?notice=added_to_cart")
            let cart = try await browser.get("/cart")
            #expect(cart.text.contains("Quick order: you name the server after paying"))
            let paid = try await browser.post("/cart/checkout", form: [:])
            #expect(paid.status == .seeOther)
            let service = try #require(try await ServiceRecord.query(on: app.db).first())
            func fresh() async throws -> ServiceRecord { try #require(try await ServiceRecord.find(service.id!, on: app.db)) }
            // Paid at the plan's price, waiting: nothing is opened before it has a name.
            #expect(service.status == .configurationRequired)
            #expect(service.domainName == "")
            #expect(service.osImage == "Debian 12")
            #expect(try await app.balance(client.accountID) == Money.eur("40.00"))
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == .serviceOpen).count() == 0)
            try await app.runJobs()
            #expect(try await fresh().status == .configurationRequired)

            let path = "/services/\(service.id!.uuidString.lowercased())"
            let page = try await browser.get(path)
            #expect(PageText.testID("service-status", in: page.text) == "Configuration required")
            #expect(PageText.testID("service-configure", in: page.text) != nil)
            // A bad name or a system the plan does not have is refused and changes nothing.
            let bad = try await browser.post(path + "/configure", form: ["domain": "-bad-", "os": "Debian 12"])
            #expect(bad.status == .unprocessableEntity)
            #expect(try await fresh().status == .configurationRequired)
            _ = try await browser.get(path)
            let unknown = try await browser.post(path + "/configure", form: ["domain": "web7", "os": "Windows 95"])
            #expect(unknown.status == .unprocessableEntity)
            #expect(try await fresh().domainName == "")

            _ = try await browser.get(path)
            let named = try await browser.post(path + "/configure", form: ["domain": "Web7", "os": "Ubuntu 24.04"])
            #expect(named.location == "\(path)?notice=service_configured")
            #expect(try await fresh().status == .processing)
            #expect(try await fresh().domainName == "web7")
            #expect(try await fresh().osImage == "Ubuntu 24.04")
            try await app.runJobs()
            #expect(try await fresh().status == .active)
            #expect(try await fresh().ipAddress != nil)
            // Named once: a second submission is refused; the charge was the order's, once.
            _ = try await browser.get(path)
            #expect(try await browser.post(path + "/configure", form: ["domain": "web8"]).status == .unprocessableEntity)
            #expect(try await fresh().domainName == "web7")
            #expect(try await app.balance(client.accountID) == Money.eur("40.00"))
            #expect(try await ExpenseRecord.query(on: app.db).count() == 1)
            let events = try await ServiceEventRecord.query(on: app.db).filter(\.$serviceID == service.id!).sort(\.$at).all().map(\.event)
            #expect(events == ["ordered", "configuration_missing", "configured", "paid", "opened"])
        }
    }

    /// A plan with a free trial is taken with it, as its card says; a second time it is paid.
    @Test func aQuickOrderOfATrialPlanTakesTheTrialOnce() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let browser = Browser(app)
            try await browser.logIn()
            let quick = "/order/\(catalog.trial.uuidString.lowercased())/quick"
            _ = try await browser.get("/order?type=vps")
            #expect(try await browser.post(quick, form: [:]).location == "/cart?notice=added_to_cart")
            _ = try await browser.get("/cart")
            _ = try await browser.post("/cart/checkout", form: [:])
            let first = try #require(try await ServiceRecord.query(on: app.db).first())
            #expect(first.isTrial)
            #expect(first.status == .configurationRequired)
            #expect(try await app.balance(client.accountID) == Money.eur("50.00"))
            // The trial is had: the next quick order of the plan is a paid one.
            _ = try await browser.get("/order?type=vps")
            #expect(try await browser.post(quick, form: [:]).location == "/cart?notice=added_to_cart")
            let item = try #require(try await OrderItemRecord.query(on: app.db).filter(\.$orderID == nil).first())
            #expect(item.trial == false)
            #expect(item.quick)
        }
    }

    /// The API's twin: a bad name is refused, a good one opens it, a second one is refused.
    @Test func theAPINamesAQuickOrdersServer() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let owner = Caller.testOwner(try await app.account(client.accountID))
            // The engine's quick order: no name, the first period, the first system.
            try await Cart(context: app.engine).add(OrderConfiguration(planID: catalog.monthly, period: .month, quick: true), caller: owner)
            // A domain is not a server: its name is what is bought.
            await #expect(throws: OrderError.domainNameRequired) {
                try await Cart(context: app.engine).add(
                    OrderConfiguration(planID: catalog.domain, period: .year, quick: true), caller: owner)
            }
            try await Orders(context: app.engine).checkout(caller: owner, payFromBalance: true)
            let service = try #require(try await ServiceRecord.query(on: app.db).first())
            #expect(service.status == .configurationRequired)

            let path = "/api/v1/services/\(service.id!.uuidString.lowercased())/configuration"
            let token = try await APITests().token(app)
            let api = APIServiceTests()
            let refused = try await api.call(app, .POST, path, token: token, body: #"{"domain_name":"not a name!"}"#)
            #expect(refused.status == .unprocessableEntity)
            let accepted = try await api.call(app, .POST, path, token: token, body: #"{"domain_name":"db1"}"#)
            #expect(accepted.status == .accepted)
            #expect(try api.json(accepted)["status"] as? String == "processing")
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.osImage == "Debian 12")
            #expect(try await api.call(app, .POST, path, token: token, body: #"{"domain_name":"db2"}"#).status == .unprocessableEntity)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.domainName == "db1")
        }
    }
}
