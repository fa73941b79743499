import BillingDomain
import BillingEngine
import Vapor

/// The client area behind login: dashboard and balance history (more sections come with their issues).
struct ClientAreaController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.dashboard, use: dashboard)
        routes.get(SiteURL.balanceHistory, use: balanceHistory)
    }

    func dashboard(req: Request) async throws -> Response {
        let page = try await PageContext.client(req)
        return ClientPages.dashboard(page).response()
    }

    func balanceHistory(req: Request) async throws -> Response {
        let page = try await PageContext.client(req)
        let number = req.query[String.self, at: "page"]
        let movements = try await req.engine.ledger.movements(of: try req.client.accountID, page: PageRequest.web(number))
        return ClientPages.balanceHistory(page, movements: movements).response()
    }
}
