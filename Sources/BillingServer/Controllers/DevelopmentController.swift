import BillingEngine
import Vapor

/// Development-only pages: the e-mail outbox, so reset links can be followed without a mail
/// server. Absent (404) when `BILLING_ENV=production`.
struct DevelopmentController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("dev", "outbox", use: outbox)
    }

    func outbox(req: Request) async throws -> Response {
        guard req.billing.config.developmentMode else { throw PageError.notFound }
        let messages = try await Outbox.recent(on: req.db)
        return StaffPages.outbox(PageContext(req), messages: messages).response()
    }
}
