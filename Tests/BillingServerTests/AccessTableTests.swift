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

/// The one rights table (`SiteURL.access`, `APIAccess`): every page, form action and API
/// operation has an entry, and every entry is enforced. The walks below send every registered
/// route as a caller who lacks its right and expect 403 (docs/DESIGN.md, "Rights").
@Suite("Rights table")
struct AccessTableTests {
    /// Registered routes that are not pages or operations of the table: gateways' notices, the
    /// sandbox gateway's own pages, static assets, the health check.
    static let foreign = ["webhooks", "sandbox-gateway", "assets", "health", "favicon"]

    /// Every registered route of the site (not the API): method and path with `:parameters`.
    static func siteRoutes(_ app: Application) -> [(method: HTTPMethod, path: String)] {
        app.routes.all.compactMap { route in
            let path = "/" + route.path.map(\.description).joined(separator: "/")
            guard !path.hasPrefix("/api/v1"), !foreign.contains(where: { path.dropFirst().hasPrefix($0) }) else { return nil }
            return (route.method, path)
        }
    }

    /// Every registered operation of the API (`/api/v1/…`).
    static func apiRoutes(_ app: Application) -> [Route] {
        app.routes.all.filter { $0.path.first?.description == "api" && $0.path.dropFirst().first?.description == "v1" }
    }

    /// Calls an operation with ids nobody has and an empty JSON object as the body.
    static func call(_ route: Route, as client: APIClient) async throws -> TestingHTTPResponse {
        let path =
            "/"
            + route.path.dropFirst().map { $0.description.hasPrefix(":") ? UUID().uuidString.lowercased() : $0.description }
            .joined(separator: "/")
        return try await client.send(
            route.method, path, route.method == .GET || route.method == .DELETE ? nil : "{}", key: UUID().uuidString)
    }

    /// The address of a registered path, and the path with its parameters filled with ids nobody has.
    static func address(_ path: String) throws -> (url: SiteURL, concrete: String) {
        let url = try #require(SiteURL.every.first { $0.path == path }, "no SiteURL for \(path)")
        let concrete = path.split(separator: "/").map { $0.hasPrefix(":") ? UUID().uuidString.lowercased() : String($0) }
        return (url, "/" + concrete.joined(separator: "/"))
    }

    /// A second user of Anna's account (not the owner) with `rights`, signed in in a browser of their own.
    static func subUser(_ app: Application, account: UUID, rights: Set<ClientRight>, email: String = "igor@example.com")
        async throws -> (browser: Browser, user: UserRecord)
    {
        let user = UserRecord(
            accountID: account, email: email, name: "Igor Helper", passwordHash: try await app.engine.passwords.hash("helper password 1"),
            isOwner: false, createdAt: TestApp.start, emailConfirmedAt: TestApp.start)
        user.rights = ClientRight.stored(rights)
        try await user.create(on: app.db)
        let browser = Browser(app)
        let login = try await browser.logIn(email, password: "helper password 1")
        #expect(login.location == "/dashboard")
        return (browser, user)
    }

    @Test func everyRouteHasItsEntryAndEveryEntryItsRoute() async throws {
        try await TestApp.run { app, _ in
            for route in Self.siteRoutes(app) { _ = try Self.address(route.path) }
            let operations = Set(
                app.routes.all.filter { $0.path.first?.description == "api" && $0.path.dropFirst().first?.description == "v1" }
                    .map(APIAccess.key))
            #expect(operations.subtracting(APIAccess.operations.keys) == [], "API operations without an entry in APIAccess")
            #expect(Set(APIAccess.operations.keys).subtracting(operations) == [], "APIAccess entries nothing answers")
            #expect(operations.count == 70)
        }
    }

    @Test func aSubUserWithoutRightsIsRefusedEveryPageAndActionButTheDashboard() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            let (igor, _) = try await Self.subUser(app, account: anna.accountID, rights: [])
            let dashboard = try await igor.get("/dashboard")
            #expect(dashboard.status == .ok)
            // The menu shows nothing the table refuses: the dashboard and the API's reference.
            #expect(!dashboard.text.contains("href=\"/payments\""))
            #expect(!dashboard.text.contains("href=\"/services\""))
            var refused = 0
            for route in Self.siteRoutes(app) {
                let (url, path) = try Self.address(route.path)
                guard case .client = url.access(route.method) else { continue }
                let response =
                    route.method == .GET ? try await igor.get(path) : try await igor.post(path, form: ["amount": "10.00"])
                #expect(response.status == .forbidden, "\(route.method) \(route.path) answered \(response.status.code)")
                refused += 1
            }
            #expect(refused > 40)
        }
    }

    /// The walk as a real sub-user with each single right, in the browser and through the API: a
    /// user with one right reaches exactly the routes the table gives that right (and the ones
    /// every signed-in user has), and is refused every other one.
    @Test(arguments: ClientRight.allCases)
    func aSubUserWithOneRightReachesExactlyTheRoutesOfThatRight(_ right: ClientRight) async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            let (igor, _) = try await Self.subUser(app, account: anna.accountID, rights: [right])
            for route in Self.siteRoutes(app) {
                let (url, path) = try Self.address(route.path)
                guard case .client(let needed) = url.access(route.method) else { continue }
                let response = route.method == .GET ? try await igor.get(path) : try await igor.post(path, form: ["amount": "10.00"])
                if needed == right {
                    #expect(response.status != .forbidden, "\(right): \(route.method) \(route.path) refused")
                } else {
                    #expect(response.status == .forbidden, "\(right): \(route.method) \(route.path) answered \(response.status.code)")
                }
            }
            let client = APIClient(
                app: app, token: try token(try await issue(app, email: "igor@example.com", password: "helper password 1", scopes: nil)))
            for route in Self.apiRoutes(app) {
                let key = APIAccess.key(route)
                guard case .client(let needed) = APIAccess.operations[key] else { continue }
                let response = try await Self.call(route, as: client)
                let code = try errorCode(response)
                if needed == right {
                    #expect(code != "forbidden", "\(right): \(key) refused")
                } else {
                    #expect(response.status == .forbidden, "\(right): \(key) answered \(response.status.code)")
                }
            }
        }
    }

    @Test func theOwnerOpensEveryClientPage() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient()
            let anna = Browser(app)
            try await anna.logIn()
            for route in Self.siteRoutes(app) where route.method == .GET {
                let (url, path) = try Self.address(route.path)
                guard case .client = url.access(.GET) else { continue }
                let status = try await anna.get(path).status
                // An id nobody has is not found; nothing is refused to the owner.
                #expect(status != .forbidden, "GET \(route.path) refused the owner")
            }
        }
    }

    @Test func aSubUserSeesWhatTheRightsAllowAndNothingElse() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            let (igor, _) = try await Self.subUser(app, account: anna.accountID, rights: [.viewServices])
            let dashboard = try await igor.get("/dashboard")
            #expect(dashboard.text.contains("href=\"/services\""))
            #expect(dashboard.text.contains("href=\"/finance/autorenewal\""))
            #expect(!dashboard.text.contains("href=\"/payments\""))
            #expect(!dashboard.text.contains("href=\"/order\""))
            #expect(try await igor.get("/services").status == .ok)
            #expect(try await igor.get("/finance/autorenewal").status == .ok)
            #expect(try await igor.get("/payments").status == .forbidden)
            #expect(try await igor.post("/finance/autorenewal", form: [:]).status == .forbidden)
        }
    }

    @Test func theServicePageOffersOnlyTheActionsTheUsersRightsAllow() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let anna = try await app.signUpClient()
            try await app.topUp(anna.accountID, try MoneyFormat.parse("50.00", currency: .EUR, language: .en), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: anna.accountID)
            let path = "/services/" + service.id!.uuidString.lowercased()
            func buttons(_ browser: Browser) async throws -> [String] {
                let page = try await browser.get(path)
                #expect(page.status == .ok)
                return ServiceAction.allCases.filter { page.text.contains("action=\"" + path + "/" + $0.rawValue + "\"") }.map(\.rawValue)
            }
            let owner = Browser(app)
            try await owner.logIn()
            let ownerButtons = try await buttons(owner)
            #expect(
                ownerButtons == ["stop", "reboot", "reinstall", "login", "delete", "autorenew", "period", "extend", "resources"],
                "\(ownerButtons)")
            // Seeing services only: parameters and history, no actions at all.
            let (viewer, _) = try await Self.subUser(app, account: anna.accountID, rights: [.viewServices])
            let seen = try await viewer.get(path)
            #expect(PageText.testID("service-params", in: seen.text) != nil)
            #expect(PageText.testID("service-actions", in: seen.text) == nil)
            #expect(!seen.text.contains("/finance/expenses"))
            // Managing but neither ordering nor deleting: stop, reboot, reinstall, the login data, auto-renewal and the period; no
            // extension or resources (they make orders) and no deletion.
            let (manager, _) = try await Self.subUser(
                app, account: anna.accountID, rights: [.viewServices, .manageServices], email: "mila@example.com")
            #expect(try await buttons(manager) == ["stop", "reboot", "reinstall", "login", "autorenew", "period"])
            #expect(try await manager.post(path + "/extend", form: [:]).status == .forbidden)
        }
    }

    @Test func eachStaffRoleIsRefusedWhatItsRoleLacksAndOpensTheRest() async throws {
        try await TestApp.run { app, _ in
            for role in StaffRole.allCases {
                let member = try await Browser.staff(app, role: role)
                for route in Self.siteRoutes(app) {
                    let (url, path) = try Self.address(route.path)
                    guard case .staff(let permission) = url.access(route.method) else { continue }
                    if role.allows(permission) {
                        guard route.method == .GET else { continue }
                        let status = try await member.get(path).status
                        #expect(status != .forbidden, "\(role) refused GET \(route.path)")
                    } else {
                        let response =
                            route.method == .GET ? try await member.get(path) : try await member.post(path, form: [:])
                        #expect(response.status == .forbidden, "\(role): \(route.method) \(route.path) answered \(response.status.code)")
                    }
                }
                // The menu of each role: `StaffAreaTests.theMenuShowsEachRoleWhatItMayOpen`.
            }
        }
    }

    @Test func theStaffListShowsEveryMemberAndWhatEachRoleMayDo() async throws {
        try await TestApp.run { app, _ in
            let admin = try await Browser.staff(app, role: .administrator)
            try await StaffAccounts(context: app.engine).create(
                email: "sofia@provider.example", name: "Sofia Support", password: "staff password 2", role: .support)
            let page = try await admin.get("/admin/staff")
            #expect(page.status == .ok)
            #expect(PageText.testIDs("staff-member", in: page.text).count == 2)
            #expect(PageText.testIDs("staff-member-role", in: page.text) == ["Administrator", "Support"])
            #expect(page.text.contains("sofia@provider.example"))
            #expect(!page.text.contains("$2b$"), "a password hash on the page")
            // Every right is a checkbox of the support role's form, ticked where the role has it.
            let cards = page.text.components(separatedBy: #"data-testid="role-"#)
            let support = try #require(cards.first { $0.hasPrefix(#"support""#) })
            #expect(support.contains(#"name="right.clients.view" value="on" checked"#))
            #expect(support.contains(#"name="right.balances.adjust" value="on""#))
            #expect(!support.contains(#"name="right.balances.adjust" value="on" checked"#))
            // The administrator's set is a list: every right, not editable.
            let administrator = try #require(cards.first { $0.hasPrefix(#"administrator""#) })
            #expect(administrator.components(separatedBy: #"data-testid="granted-right""#).count - 1 == StaffPermission.allCases.count)
            #expect(!administrator.contains("<form"))
        }
    }

    // MARK: - The API

    func issue(_ app: Application, email: String, password: String, scopes: [String]?) async throws -> TestingHTTPResponse {
        let scopeList = scopes.map { ",\"scopes\":[" + $0.map { "\"\($0)\"" }.joined(separator: ",") + "]" } ?? ""
        return try await Browser(app).send(
            .POST, "/api/v1/auth/tokens", body: #"{"email":"\#(email)","password":"\#(password)"\#(scopeList)}"#,
            contentType: "application/json")
    }

    func token(_ response: TestingHTTPResponse) throws -> String {
        #expect(response.status == .created)
        return try #require(try APIClient.object(response)["token"] as? String)
    }

    func errorCode(_ response: TestingHTTPResponse) throws -> String? {
        ((try APIClient.object(response))["error"] as? [String: Any])?["code"] as? String
    }

    @Test func aTokenWithoutTheRightIsRefusedEveryOperation() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            _ = try await Self.subUser(app, account: anna.accountID, rights: [])
            let client = APIClient(
                app: app, token: try token(try await issue(app, email: "igor@example.com", password: "helper password 1", scopes: nil)))
            var refused = 0
            for route in Self.apiRoutes(app) {
                let key = APIAccess.key(route)
                let access = try #require(APIAccess.operations[key])
                let response = try await Self.call(route, as: client)
                switch access {
                case .anyone: continue
                case .signedInClient:
                    // Each user's own: never refused for want of a right (a `{}` body may be a 400).
                    #expect(response.status != .forbidden && response.status != .unauthorized, "\(key) answered \(response.status.code)")
                case .client:
                    #expect(response.status == .forbidden, "\(key) answered \(response.status.code)")
                    #expect(try errorCode(response) == "forbidden")
                    refused += 1
                case .signedInStaff, .staff: #expect(response.status == .unauthorized, "\(key) answered \(response.status.code)")
                }
            }
            #expect(refused == 34)
        }
    }

    @Test func aTokenHasItsScopesAndItsUsersRightsInCommon() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            // The owner narrows a token to seeing services.
            let narrow = APIClient(
                app: app,
                token: try token(
                    try await issue(app, email: "anna@example.com", password: "correct horse battery", scopes: ["services.view"])))
            #expect(try await narrow.send(.GET, "/v1/autorenewal").status == .ok)
            #expect(try await narrow.send(.GET, "/v1/ledger").status == .forbidden)
            #expect(try await narrow.send(.POST, "/v1/payments", #"{"amount":"10.00"}"#, key: UUID().uuidString).status == .forbidden)
            // Without scopes a token has every right of its user.
            let full = APIClient(
                app: app, token: try token(try await issue(app, email: "anna@example.com", password: "correct horse battery", scopes: nil)))
            #expect(try await full.send(.GET, "/v1/ledger").status == .ok)

            // A sub-user cannot issue a token with more than the user's rights, nor an unknown scope.
            let (_, igor) = try await Self.subUser(app, account: anna.accountID, rights: [.viewServices])
            let beyond = try await issue(app, email: "igor@example.com", password: "helper password 1", scopes: ["finance.pay"])
            #expect(beyond.status == .forbidden)
            #expect(try errorCode(beyond) == "scope_not_allowed")
            let unknown = try await issue(app, email: "igor@example.com", password: "helper password 1", scopes: ["everything"])
            #expect(unknown.status == .badRequest)
            #expect(try errorCode(unknown) == "unknown_scope")
            #expect(
                try APIClient.object(unknown)["error"].flatMap { ($0 as? [String: Any])?["message"] as? String }?.contains("everything")
                    == true)

            // The token loses a right the moment its user does.
            let helper = APIClient(
                app: app, token: try token(try await issue(app, email: "igor@example.com", password: "helper password 1", scopes: nil)))
            #expect(try await helper.send(.GET, "/v1/autorenewal").status == .ok)
            igor.rights = ""
            try await igor.save(on: app.db)
            #expect(try await helper.send(.GET, "/v1/autorenewal").status == .forbidden)
        }
    }

    @Test func aStaffTokenHasItsRolesRights() async throws {
        try await TestApp.run { app, _ in
            try await StaffAccounts(context: app.engine).create(
                email: "sofia@provider.example", name: "Sofia", password: "staff password 1", role: .support)
            let response = try await Browser(app).send(
                .POST, "/api/v1/staff/auth/tokens", body: #"{"email":"sofia@provider.example","password":"staff password 1"}"#,
                contentType: "application/json")
            let support = APIClient(app: app, token: try token(response))
            #expect(try await support.send(.GET, "/v1/staff/payments").status == .forbidden)
            #expect(try await support.send(.GET, "/v1/staff/jobs").status == .forbidden)
            // A staff token is not a client's.
            #expect(try await support.send(.GET, "/v1/me").status == .unauthorized)
        }
    }

    @Test func theCallerCarriesTheRightsAndTheEngineRefusesWithoutThem() async throws {
        let account = Account(
            id: UUID(), clientCode: 1, name: "Anna", country: "UA", registeredOn: nil, currency: .EUR, language: .en, status: .active,
            createdAt: TestApp.start)
        let helper = Caller.user(UUID(), of: account, rights: [.viewServices])
        #expect(throws: PlainRefusal.forbidden) { try helper.account(for: .pay) }
        #expect(try helper.account(for: .viewServices) == account)
        let token = Caller.token(of: UUID(), account: account, userRights: [.viewServices], scopes: ["write"])
        #expect(token.clientRights == [.viewServices])
        #expect(
            Caller.token(of: UUID(), account: account, userRights: Set(ClientRight.allCases), scopes: ["read"]).clientRights
                == ClientRight.reading)
        let support = Caller.staff(UUID(), role: .support)
        #expect(throws: PlainRefusal.forbidden) { try support.require(.manageStaff) }
        #expect(!Access.client(.viewServices).admits(support))
        #expect(Access.signedInStaff.admits(support))
        #expect(!Access.signedInClient.admits(nil))
    }

    @Test func theEngineRefusesACallerWithoutTheRightBeforeLookingAnythingUp() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            let account = try await app.account(anna.accountID)
            let viewer = Caller.user(UUID(), of: account, rights: [.viewServices])
            let lifecycle = ServiceLifecycle(context: app.engine)
            // Refused for want of the right, not "not found": the id is never looked up.
            await #expect(throws: PlainRefusal.forbidden) { try await lifecycle.stop(serviceID: UUID(), caller: viewer) }
            await #expect(throws: PlainRefusal.forbidden) { try await lifecycle.delete(serviceID: UUID(), caller: viewer) }
            await #expect(throws: PlainRefusal.forbidden) {
                try await lifecycle.setAutoRenew(serviceID: UUID(), enabled: false, caller: viewer)
            }
            let support = Caller.staff(UUID(), role: .support)
            await #expect(throws: PlainRefusal.forbidden) { try await JobQueue(context: app.engine).retry(UUID(), caller: support) }
            await #expect(throws: PlainRefusal.forbidden) { try await JobQueue(context: app.engine).cancel(UUID(), caller: support) }
            await #expect(throws: PlainRefusal.forbidden) { try await StaffAccounts(context: app.engine).list(caller: support) }
            await #expect(throws: JobActionError.notFound) { try await JobQueue(context: app.engine).retry(UUID(), caller: .testStaff) }
        }
    }
}
