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

/// The users page and the invitation as the owner and the invited user go through them (ACC-3).
@Suite("Users and rights pages")
struct AccountUsersPagesTests {
    /// The owner invites a bookkeeper with the right to see finances and documents; the
    /// bookkeeper accepts by the mailed link, sees invoices, payments and documents and nothing
    /// else, in the menu, by direct address and through the API.
    @Test func aBookkeeperInvitedByTheOwnerSeesFinancesAndNothingElse() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient()
            let anna = Browser(app)
            try await anna.logIn()
            let list = try await anna.get("/account/users")
            #expect(list.status == .ok)
            #expect(list.testIDs("user-row").count == 1)
            #expect(list.testID("user-rights") == "Owner: every right")

            try await anna.get("/account/users/new")
            let invited = try await anna.post(
                "/account/users/new",
                form: [
                    "email": "olga@example.com", "name": "Olga Bookkeeper", "phone": "+380 44 123 45 67",
                    "right.finance.view": "on", "right.finance.documents": "on"
                ])
            let userPath = try #require(invited.location?.split(separator: "?").first.map(String.init))
            #expect(invited.location == userPath + "?notice=user_invited")
            let userPage = try await anna.get(userPath + "?notice=user_invited")
            #expect(userPage.text.contains("The user is added and the invitation is on its way."))
            #expect(userPage.testID("user-status") == "Invited")
            let rows = try await anna.get("/account/users")
            #expect(rows.testIDs("user-rights") == ["Owner: every right", "Invoices and documents, See balance and expenses"])

            // The invitation: the page changes nothing; its form sets the password and signs in.
            let token = try #require(try await app.mailedTokens(to: "olga@example.com", path: "/invite/").first)
            let olga = Browser(app)
            #expect(try await olga.get("/invite/\(token)").status == .ok)
            let weak = try await olga.post("/invite/\(token)", form: ["password": "short"])
            #expect(weak.status == .unprocessableEntity)
            let accepted = try await olga.post("/invite/\(token)", form: ["password": "olga's own password"])
            #expect(accepted.location == "/dashboard?notice=welcome")
            #expect(try await Browser(app).get("/invite/\(token)").status == .gone)

            let home = try await olga.get("/dashboard")
            for allowed in ["/payments", "/finance/balance", "/finance/expenses"] {
                #expect(home.text.contains("href=\"\(allowed)\""), "the menu lacks \(allowed)")
            }
            for hidden in ["/services", "/order", "/orders", "/account/users", "/finance/methods", "/cart"] {
                #expect(!home.text.contains("href=\"\(hidden)\""), "the menu shows \(hidden)")
            }
            for refused in ["/services", "/order", "/account/users", "/finance/methods", "/payments/new"] {
                let page = try await olga.get(refused)
                #expect(page.status == .forbidden, "\(refused) answered \(page.status.code)")
                #expect(page.text.contains("You do not have the right to do this."))
            }
            #expect(try await olga.get("/payments").status == .ok)
            #expect(try await olga.get("/finance/expenses").status == .ok)

            // The same through the API, with a token of her own.
            let issued = try await Browser(app).send(
                .POST, "/api/v1/auth/tokens", body: #"{"email":"olga@example.com","password":"olga's own password"}"#,
                contentType: "application/json")
            let api = APIClient(app: app, token: try #require(try APIClient.object(issued)["token"] as? String))
            #expect(try await api.send(.GET, "/v1/payments").status == .ok)
            #expect(try await api.send(.GET, "/v1/ledger").status == .ok)
            #expect(try await api.send(.GET, "/v1/users").status == .forbidden)
            #expect(try await api.send(.GET, "/v1/autorenewal").status == .forbidden)
            #expect(try await api.send(.POST, "/v1/payments", #"{"amount":"10.00"}"#, key: UUID().uuidString).status == .forbidden)

            // The owner disables her: the open browser is logged out at its next page.
            try await anna.get(userPath)
            #expect(try await anna.post(userPath + "/disable", form: [:]).location == userPath + "?notice=user_disable")
            #expect(try await olga.get("/payments").location?.hasPrefix("/login") == true)
            #expect(try await api.send(.GET, "/v1/payments").status == .unauthorized)
        }
    }

    /// A user who manages users cannot give what they lack, and the refusal names the right in
    /// the reader's language; the owner cannot be disabled or deleted.
    @Test func aUserManagerCannotGiveARightTheyLackNorTouchTheOwner() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            let (igor, _) = try await AccessTableTests.subUser(app, account: anna.accountID, rights: [.users, .viewServices])
            let form = try await igor.get("/account/users/new")
            // The box of a right he lacks is shown switched off, and "full access" is not offered.
            #expect(form.text.contains(#"name="right.finance.pay" value="on" disabled="disabled""#))
            #expect(!form.text.contains(#"name="right.services.view" value="on" disabled"#))
            #expect(!form.text.contains("full_access"))
            try await igor.post("/lang", form: ["language": "ru", "back": "/account/users/new"])
            try await igor.get("/account/users/new")
            let refused = try await igor.post(
                "/account/users/new", form: ["email": "new@example.com", "name": "New", "right.finance.pay": "on"])
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("Нельзя выдать право «Оплата»: у вас самого его нет."))
            #expect(try await UserRecord.query(on: app.db).filter(\.$email == "new@example.com").count() == 0)

            let owner = "/account/users/" + anna.userID.uuidString.lowercased()
            let ownerPage = try await igor.get(owner)
            #expect(ownerPage.testID("user-disable") == nil)
            #expect(try await igor.post(owner + "/disable", form: [:]).status == .forbidden)
            #expect(try await igor.post(owner + "/delete", form: [:]).status == .forbidden)
            let stored = try #require(try await UserRecord.find(anna.userID, on: app.db))
            #expect(stored.enabled)
            #expect(stored.deletedAt == nil)
        }
    }

    @Test func theAPIInvitesListsChangesAndDeletesUsers() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient()
            let api = try await APIClient.logIn(app)
            let created = try await api.send(
                .POST, "/v1/users", #"{"email":"petra@example.com","name":"Petra","rights":["services.view","finance.view"]}"#,
                key: UUID().uuidString)
            #expect(created.status == .created)
            let user = try APIClient.object(created)
            let id = try #require(user["id"] as? String)
            #expect(user["status"] as? String == "invited")
            #expect(user["rights"] as? [String] == ["finance.view", "services.view"])
            #expect(user["full_access"] as? Bool == false)

            let changed = try await api.json(.PATCH, "/v1/users/\(id)", #"{"rights":["support"],"enabled":false}"#)
            #expect(changed["rights"] as? [String] == ["support"])
            #expect(changed["status"] as? String == "disabled")
            #expect(changed["name"] as? String == "Petra")

            let listed = try await api.json(.GET, "/v1/users")
            #expect(
                (listed["items"] as? [[String: Any]])?.compactMap { $0["email"] as? String } == ["anna@example.com", "petra@example.com"])

            let me = try #require((listed["items"] as? [[String: Any]])?.first?["id"] as? String)
            let ownerRefused = try await api.send(.DELETE, "/v1/users/\(me)")
            #expect(ownerRefused.status == .forbidden)
            #expect(errorCode(ownerRefused) == "owner_protected")
            #expect(try await api.send(.DELETE, "/v1/users/\(id)").status == .noContent)
            #expect(try await api.send(.GET, "/v1/users/\(id)").status == .notFound)
            #expect(try await api.send(.GET, "/v1/users/not-an-id").status == .notFound)
        }
    }
}
