import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Testing
import VaporTesting

@Suite("Ordering, services and expenses through the router")
struct OrderingPagesTests {
    static func eur(_ text: String) -> Money { try! MoneyFormat.parse(text, currency: .EUR, language: .en) }

    @Test func tamperedOrderFormsAreRefusedAndChangeNothing() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Self.eur("50.00"), key: "t")
            let browser = Browser(app)
            try await browser.logIn()
            let path = "/order/\(catalog.monthly.uuidString.lowercased())"
            let page = try await browser.get(path)
            #expect(page.status == .ok)
            #expect(page.text.contains("€10.00"))
            // The price stands before the form's buttons (on a phone the summary is far below),
            // before any name is typed.
            #expect(page.text.contains(#"data-testid="due-now-inline">Due now: €10.00<"#))
            let ram = "addon.\(catalog.ram.uuidString.lowercased())"
            let refusals: [([String: String], String)] = [
                ([ram: "8192"], "RAM: at most 4096."),
                ([ram: "-512"], "RAM: at least 1024."),
                ([ram: "1.5"], "amounts must be whole numbers"),
                (["addon.\(catalog.otherPlanAddon.uuidString.lowercased())": "2"], "does not belong to the chosen plan"),
                (["period": "quarter"], "not offered for the chosen period"),
            ]
            for (fields, message) in refusals {
                var form = ["period": "month", "domain": "web1", "action": "pay"]
                form.merge(fields) { _, new in new }
                let response = try await browser.post(path, form: form)
                #expect(response.status == .unprocessableEntity)
                #expect(response.text.contains(message))
            }
            // A price in the request is not read: the catalog's price is charged.
            let paid = try await browser.post(path, form: ["period": "month", "domain": "web1", "action": "pay", "price": "0.01",
                                                           "amount": "0.01", "total": "0.01"])
            #expect(paid.status == .seeOther)
            #expect(paid.location == "/services?type=vps&notice=order_paid")
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == Self.eur("40.00"))
            #expect(try await ExpenseRecord.query(on: app.db).count() == 1)
            #expect(try await ServiceRecord.query(on: app.db).count() == 1)
        }
    }

    @Test func servicesAndExpensesOfAnotherAccountAreNotFound() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let anna = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(anna.accountID, Self.eur("50.00"), key: "t")
            let account = try await app.account(anna.accountID)
            try await Cart(context: app.engine).add(OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "anna-web"), account: account)
            try await Orders(context: app.engine).checkout(account: account, payFromBalance: true, actor: "c")
            let service = try await ServiceRecord.query(on: app.db).first()!
            let servicePath = "/services/\(service.id!.uuidString.lowercased())"

            let annaBrowser = Browser(app)
            try await annaBrowser.logIn()
            let mine = try await annaBrowser.get(servicePath)
            #expect(mine.status == .ok)
            #expect(mine.text.contains("anna-web"))
            let list = try await annaBrowser.get("/services?type=vps")
            #expect(list.text.contains("anna-web"))
            #expect(list.text.contains("€10.00 / month"))
            let csv = try await annaBrowser.get("/finance/expenses.csv")
            #expect(csv.headers.first(name: .contentType) == "text/csv; charset=utf-8")
            let rows = csv.text.split(separator: "\r\n")
            #expect(rows.count == 2)
            #expect(rows[1].contains(",10.00,1.60,19%,0.00,EUR,"))
            #expect(rows[1].contains("VPS M · anna-web #1001"))

            _ = try await app.signUpClient(email: "mallory@example.com", country: "DE", currency: .EUR)
            let mallory = Browser(app)
            try await mallory.logIn("mallory@example.com")
            #expect(try await mallory.get(servicePath).status == .notFound)
            let stop = try await mallory.post(servicePath + "/stop", form: [:])
            #expect(stop.status == .notFound)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)!.status == "active")
            #expect(try await mallory.get("/services").text.contains("anna-web") == false)
            let malloryCSV = try await mallory.get("/finance/expenses.csv?service=\(service.id!.uuidString.lowercased())")
            #expect(malloryCSV.text.split(separator: "\r\n").count == 1)
        }
    }

    @Test func orderPagesSpeakRussianAndUkrainian() async throws {
        try await TestApp.run { app, _ in
            _ = try await CatalogFixture.make(app)
            _ = try await app.signUpClient(country: "UA", language: .ru, currency: .EUR)
            let browser = Browser(app)
            try await browser.logIn()
            let ru = try await browser.get("/order?type=vps")
            #expect(ru.text.contains("Виртуальные серверы"))
            #expect(ru.text.contains("10,00"))
            try await browser.post("/lang", form: ["language": "uk", "back": "/services"])
            let uk = try await browser.get("/services")
            #expect(uk.text.contains("Товари та послуги"))
        }
    }
}
