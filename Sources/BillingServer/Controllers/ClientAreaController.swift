import BillingDomain
import BillingEngine
import Vapor

/// The client area behind login: dashboard and balance history (more sections come with their issues).
struct ClientAreaController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.dashboard, use: dashboard)
        routes.get(SiteURL.balanceHistory, use: balanceHistory)
    }

    /// Home: the account, the balance with Top up, what waits for payment, what expires soon,
    /// and for a newcomer the first steps (currency, top-up, first order). Each part only for a
    /// user whose rights open it.
    func dashboard(req: Request) async throws -> Response {
        let page = try await PageContext.client(req)
        let account = try req.client.account
        var home = ClientPages.Home()
        if page.may(.orders) { home.unpaid = try await Orders(context: req.engine).list(caller: try req.client.caller, status: .pending) }
        if page.may(.services) {
            let lifecycle = ServiceLifecycle(context: req.engine)
            home.expiring = try await lifecycle.expiringSoon(caller: try req.client.caller)
        }
        if home.unpaid.isEmpty, home.expiring.isEmpty {
            home.newcomer = try await AccountSummary.isNewcomer(account, context: req.engine)
        }
        return ClientPages.dashboard(page, home: home).response()
    }

    func balanceHistory(req: Request) async throws -> Response {
        let page = try await PageContext.client(req)
        let number = req.query[String.self, at: "page"]
        let movements = try await req.engine.ledger.movements(of: try req.client.accountID, page: PageRequest.web(number))
        return ClientPages.balanceHistory(page, movements: movements).response()
    }
}
