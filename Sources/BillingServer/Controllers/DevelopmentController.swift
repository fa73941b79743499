import BillingDomain
import BillingEngine
import Vapor

/// The e-mail outbox (`/admin/outbox`): what the platform queued, so reset links can be followed
/// without a mail server in development. It holds live reset links, so it is a staff page in
/// every mode, for members whose role may read the outbox; an anonymous visitor never sees it.
struct DevelopmentController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let routes = routes.grouped(RequireRight(.viewOutbox))
        routes.get(SiteURL.staff(.outbox), use: outbox)
        routes.post(SiteURL.staff(.outboxRetry(.key)), use: retry)
    }

    /// Puts a message that delivery gave up on back in the queue.
    func retry(req: Request) async throws -> Response {
        guard let id = req.parameters.get("messageID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        try await MailDelivery.retry(id, context: req.engine)
        return req.redirect(to: SiteURL.staff(.outbox).notice("mail_requeued"))
    }

    func outbox(req: Request) async throws -> Response {
        let messages = try await Outbox.recent(context: req.engine)
        return StaffPages.outbox(PageContext(req), messages: messages, delivering: req.billing.mailDelivery != nil).response()
    }
}
