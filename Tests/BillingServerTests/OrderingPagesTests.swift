import BillingDemo
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
    @Test func tamperedOrderFormsAreRefusedAndChangeNothing() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let browser = Browser(app)
            try await browser.logIn()
            let path = "/order/\(catalog.monthly.uuidString.lowercased())"
            let page = try await browser.get(path)
            #expect(page.status == .ok)
            #expect(page.testID("due-now") == "€10.00")
            // The price stands before the form's buttons (on a phone the summary is far below),
            // before any name is typed.
            #expect(page.text.contains(#"data-testid="due-now-inline">Due now: €10.00<"#))
            let ram = "addon.\(catalog.ram.uuidString.lowercased())"
            let refusals: [([String: String], String)] = [
                ([ram: "8192"], "RAM: at most 4096."),
                ([ram: "-512"], "RAM: at least 1024."),
                ([ram: "1.5"], "amounts must be whole numbers"),
                (["addon.\(catalog.otherPlanAddon.uuidString.lowercased())": "2"], "does not belong to the chosen plan"),
                (["period": "quarter"], "not offered for the chosen period")
            ]
            for (fields, message) in refusals {
                var form = ["period": "month", "domain": "web1", "action": "pay"]
                form.merge(fields) { _, new in new }
                let response = try await browser.post(path, form: form)
                #expect(response.status == .unprocessableEntity)
                #expect(response.text.contains(message))
            }
            // A price in the request is not read: the catalog's price is charged.
            let paid = try await browser.post(
                path,
                form: [
                    "period": "month", "domain": "web1", "action": "pay", "price": "0.01",
                    "amount": "0.01", "total": "0.01"
                ])
            #expect(paid.status == .seeOther)
            #expect(paid.location == "/services?type=vps&notice=order_paid")
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == Money.eur("40.00"))
            #expect(try await ExpenseRecord.query(on: app.db).count() == 1)
            #expect(try await ServiceRecord.query(on: app.db).count() == 1)
        }
    }

    @Test func servicesAndExpensesOfAnotherAccountAreNotFound() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let anna = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(anna.accountID, Money.eur("50.00"), key: "t")
            let account = try await app.account(anna.accountID)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "anna-web"), caller: .testClient(account))
            try await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
            try await app.runJobs()
            let service = try await ServiceRecord.query(on: app.db).first()!
            let servicePath = "/services/\(service.id!.uuidString.lowercased())"

            let annaBrowser = Browser(app)
            try await annaBrowser.logIn()
            let mine = try await annaBrowser.get(servicePath)
            #expect(mine.status == .ok)
            #expect(mine.text.contains("anna-web"))
            let list = try await annaBrowser.get("/services?type=vps")
            #expect(list.text.contains("anna-web"))
            #expect(list.testIDs("service-cost") == ["€10.00 / month"])
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
            #expect(try await ServiceRecord.find(service.id!, on: app.db)!.status == .active)
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
            #expect(ru.testIDs("plan-price").first == MoneyFormat.format(Money(major: 10, .EUR), language: .ru))
            try await browser.post("/lang", form: ["language": "uk", "back": "/services"])
            let uk = try await browser.get("/services")
            #expect(uk.text.contains("Товари та послуги"))
        }
    }

    @Test func theCatalogReadsInTheClientsLanguageWithSizesPeopleRead() async throws {
        try await TestApp.run { app, _ in
            try await DemoCatalog(context: app.engine).seedIfEmpty()
            _ = try await app.signUpClient(country: "UA", language: .uk, currency: .EUR)
            let browser = Browser(app)
            browser.headers.replaceOrAdd(name: .acceptLanguage, value: "uk")
            try await browser.logIn()
            try await browser.post("/lang", form: ["language": "uk", "back": "/order"])
            let catalog = try await browser.get("/order?type=vps")
            #expect(catalog.text.contains("<h2>VPS Швидкий</h2>"))
            #expect(catalog.text.contains("Диск NVMe, процесор 2500 МГц, DNS-сервери провайдера."))
            // 4096 MiB of disk is written as 4 GiB, 5120 GiB of traffic as 5 TiB.
            #expect(catalog.text.contains("<li>Дисковий простір: 4 ГіБ</li>"))
            #expect(catalog.text.contains("<li>Трафік: 5 ТіБ</li>"))
            let fast = try #require(try await PlanRecord.query(on: app.db).filter(\.$name == "VPS Fast").first())
            let form = try await browser.get("/order/\(fast.id!.uuidString.lowercased())")
            #expect(form.text.contains("<td>Оперативна пам'ять</td><td>256 МіБ</td>"))
            #expect(form.text.contains("<td>Дисковий простір</td><td>4 ГіБ</td>"))
            try await browser.post("/lang", form: ["language": "ru", "back": "/order"])
            #expect(try await browser.get("/order?type=vps").text.contains("<h2>VPS Быстрый</h2>"))
            try await browser.post("/lang", form: ["language": "en", "back": "/order"])
            #expect(try await browser.get("/order?type=vps").text.contains("<h2>VPS Fast</h2>"))

            // Staff enter the other languages in the plan form; an empty one shows English.
            let staff = try await Browser.staff(app)
            let path = "/admin/catalog/\(fast.id!.uuidString.lowercased())"
            let edit = try await staff.get(path)
            #expect(edit.text.contains(#"name="name.ru" id="f-name.ru" value="VPS Быстрый""#))
            let saved = try await staff.post(
                path,
                form: [
                    "type": "vps", "name": "VPS Fast", "summary": "Fast.", "name.ru": "VPS Молния",
                    "name.uk": "", "summary.ru": "", "summary.uk": "", "trial_days": "0",
                    "enabled": "on", "position": "1"
                ])
            #expect(saved.location == path + "?notice=plan_saved")
            try await browser.post("/lang", form: ["language": "ru", "back": "/order"])
            #expect(try await browser.get("/order?type=vps").text.contains("<h2>VPS Молния</h2>"))
            try await browser.post("/lang", form: ["language": "uk", "back": "/order"])
            #expect(try await browser.get("/order?type=vps").text.contains("<h2>VPS Fast</h2>"))
        }
    }
}
