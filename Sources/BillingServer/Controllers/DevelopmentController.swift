import BillingDomain
import BillingEngine
import Messaging
import Vapor

/// The e-mail outbox (`/admin/outbox`): what the platform queued and whether it left. It never
/// holds a usable link (tokens are made when a message is sent); even so, message bodies are
/// shown to administrators only, the rest of the staff who may read it see the envelope.
struct DevelopmentController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.staff(.outbox), use: outbox)
        routes.post(SiteURL.staff(.outboxRetry(.key)), use: retry)
        routes.get(SiteURL.staff(.sms), use: sms)
    }

    /// The text messages: to whom (masked), the body with the code's place, whether it left; the
    /// development channel's texts (codes included) for those who read mail bodies.
    func sms(req: Request) async throws -> Response {
        let messages = try await SMSOutbox.recent(context: req.engine)
        let page = PageContext(req)
        return StaffPages.sms(
            page, messages: messages, channel: req.engine.sms?.name, showsTexts: page.staff?.permissions.contains(.readMailBodies) == true
        ).response()
    }

    /// Puts a message that delivery gave up on back in the queue.
    func retry(req: Request) async throws -> Response {
        guard let id = req.parameters.get("messageID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        try await Outbox.retry(id, caller: try req.staff.caller, context: req.engine)
        return req.redirect(to: SiteURL.staff(.outbox).notice("mail_requeued"))
    }

    func outbox(req: Request) async throws -> Response {
        let messages = try await Outbox.recent(context: req.engine)
        let page = PageContext(req)
        return StaffPages.outbox(
            page, messages: messages, delivering: req.engine.mail != nil,
            showsBodies: page.staff?.permissions.contains(.readMailBodies) == true
        ).response()
    }
}
