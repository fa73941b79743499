import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import Fluent
import Testing
import Vapor
import VaporTesting

@Suite("Staff area through the router")
struct StaffAreaTests {
    @Test func staffAdjustBalanceAndTheClientSeesIt() async throws {
        try await TestApp.run { app, _ in
            let client = try await app.signUpClient(email: "anna@example.com", name: "Anna Client")
            try await app.signUpClient(email: "boris@example.com", name: "Boris Buyer")
            let staff = try await Browser.staff(app)

            let list = try await staff.get("/admin?q=ANNA")
            #expect(list.status == .ok)
            #expect(list.text.contains("Anna Client"))
            #expect(!list.text.contains("Boris Buyer"))
            #expect(try await staff.get("/admin?q=10002").text.contains("Boris Buyer"))

            let cardPath = "/admin/clients/\(client.accountID.uuidString.lowercased())"
            let card = try await staff.get(cardPath)
            #expect(card.text.contains("anna@example.com"))
            let key = try #require(card.text.range(of: #"name="key" value=""#).map { String(card.text[$0.upperBound...].prefix(36)) })

            let adjusted = try await staff.post(cardPath + "/adjust", form: ["amount": "25.50", "reason": "Goodwill credit", "key": key])
            #expect(adjusted.location == cardPath + "?notice=adjusted")
            // The same form sent twice (a double click) posts once.
            try await staff.get(cardPath)
            let twice = try await staff.post(cardPath + "/adjust", form: ["amount": "25.50", "reason": "Goodwill credit", "key": key])
            #expect(twice.status == .seeOther)
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .EUR) == Money(minor: 2_550, .EUR))

            let refused = try await staff.post(cardPath + "/adjust", form: ["amount": "12,3x", "reason": "Typo", "key": "k2"])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("The amount is not a number"))
            let noReason = try await staff.post(cardPath + "/adjust", form: ["amount": "-5", "reason": "", "key": "k3"])
            #expect(noReason.text.contains("Give a reason for the adjustment."))
            #expect(try await LedgerTransactionRecord.query(on: app.db).count() == 1)

            let clientBrowser = Browser(app)
            try await clientBrowser.logIn()
            let history = try await clientBrowser.get("/finance/balance")
            #expect(history.testIDs("ledger-memo") == ["Goodwill credit"])
            #expect(history.testIDs("ledger-amount") == ["+€25.50"])
            #expect(history.text.contains("Adjustment"))
            let dashboard = try await clientBrowser.get("/dashboard")
            #expect(dashboard.testID("dashboard-balance") == "€25.50")
        }
    }

    @Test func debtShowsInTheHeaderAndOnTheDashboard() async throws {
        try await TestApp.run { app, _ in
            let client = try await app.signUpClient(email: "anna@example.com")
            let staffID = try await StaffAccounts(context: app.engine).create(
                email: "a@provider.example", name: "A", password: "staff password 1", role: .administrator)
            try await BalanceAdjustments(context: app.engine).adjust(
                accountID: client.accountID, amount: Money(minor: -4_210, .EUR),
                reason: "Server rent", caller: .staff(staffID, role: .administrator), idempotencyKey: "d")
            let browser = Browser(app)
            try await browser.logIn()
            let page = try await browser.get("/dashboard")
            #expect(page.testID("dashboard-balance") == "-€42.10")
            #expect(page.testID("header-debt") == "Debt €42.10")
            #expect(page.text.contains("header-debt"))
        }
    }

    @Test func supportStaffCannotMoveMoney() async throws {
        try await TestApp.run { app, _ in
            let client = try await app.signUpClient()
            let support = try await Browser.staff(app, role: .support)
            let cardPath = "/admin/clients/\(client.accountID.uuidString.lowercased())"
            let card = try await support.get(cardPath)
            #expect(card.status == .ok)
            #expect(!card.text.contains("adjust-form"))
            let attempt = try await support.post(cardPath + "/adjust", form: ["amount": "1000", "reason": "Gift", "key": "x"])
            #expect(attempt.status == .forbidden)
            #expect(try await LedgerTransactionRecord.query(on: app.db).count() == 0)
        }
    }

    @Test func clientSessionsDoNotOpenTheStaffArea() async throws {
        try await TestApp.run { app, _ in
            try await app.signUpClient(email: "anna@example.com")
            let browser = Browser(app)
            try await browser.logIn()
            #expect(try await browser.get("/admin").location == "/admin/login")
            // Staff credentials do not log into the client area either.
            try await StaffAccounts(context: app.engine).create(
                email: "a@provider.example", name: "A", password: "staff password 1", role: .administrator)
            let other = Browser(app)
            try await other.get("/login")
            #expect(
                try await other.post("/login", form: ["email": "a@provider.example", "password": "staff password 1"]).status
                    == .unauthorized)
            let unknown = try await browser.get("/admin/clients/\(UUID().uuidString)")
            #expect(unknown.location == "/admin/login")
        }
    }

    @Test func searchFindsNamesInAnyCaseInEveryScript() async throws {
        try await TestApp.run { app, _ in
            try await app.signUpClient(email: "hanna@example.com", name: "Ганна Тестова")
            try await app.signUpClient(email: "olena@example.com", name: "Олена Іваненко")
            try await app.signUpClient(email: "jurgen@example.com", name: "Jürgen Größe")
            let staff = try await Browser.staff(app)
            func found(_ query: String) async throws -> [String] {
                let list = try await staff.get("/admin?q=" + query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                return ["Ганна Тестова", "Олена Іваненко", "Jürgen Größe"].filter { list.text.contains($0) }
            }
            for query in ["Тестова", "тестова", "ТЕСТОВА", "естов", "ганна тест"] {
                #expect(try await found(query) == ["Ганна Тестова"], "\(query)")
            }
            // Ukrainian letters outside Russian, and Latin letters with accents.
            #expect(try await found("ІВАНЕНКО") == ["Олена Іваненко"])
            #expect(try await found("JÜRGEN") == ["Jürgen Größe"])
            #expect(try await found("größe") == ["Jürgen Größe"])
            // E-mail addresses, in any case.
            #expect(try await found("OLENA@") == ["Олена Іваненко"])
            #expect(try await found("Петренко") == [])
        }
    }

    @Test func unknownClientCardIsNotFound() async throws {
        try await TestApp.run { app, _ in
            let staff = try await Browser.staff(app)
            #expect(try await staff.get("/admin/clients/\(UUID().uuidString)").status == .notFound)
            #expect(try await staff.get("/admin/clients/not-a-uuid").status == .notFound)
            let logout = try await staff.post("/admin/logout", form: [:])
            #expect(logout.location == "/admin/login?notice=logged_out")
            #expect(try await staff.get("/admin").location == "/admin/login")
        }
    }

    @Test func theMenuShowsEachRoleWhatItMayOpen() async throws {
        try await TestApp.run { app, _ in
            func links(_ role: StaffRole) async throws -> [String] {
                let page = try await Browser.staff(app, role: role).get("/admin")
                let nav = try #require(
                    page.text.components(separatedBy: #"data-testid="staff-nav""#).last?.components(separatedBy: "</nav>").first)
                return nav.components(separatedBy: #"<a href=""#).dropFirst().map { String($0.prefix { $0 != "\"" }) }
            }
            let administrator = try await links(.administrator)
            let accountant = try await links(.accountant)
            let support = try await links(.support)
            #expect(
                administrator == [
                    "/admin", "/admin/services", "/admin/catalog", "/admin/billing", "/admin/servers", "/admin/payments",
                    "/admin/payment-methods",
                    "/admin/outbox",
                    "/admin/sms", "/admin/jobs", "/admin/staff", "/admin/audit", "/admin/privacy", "/admin/privacy-policy",
                    "/admin/security"
                ])
            // Accountants manage payments: the menu now shows them (it used to ask for the catalog right).
            // Every member has their own security page (the two-step login).
            #expect(accountant == ["/admin", "/admin/services", "/admin/payments", "/admin/payment-methods", "/admin/security"])
            #expect(support == ["/admin", "/admin/services", "/admin/outbox", "/admin/sms", "/admin/security"])
        }
    }
}
