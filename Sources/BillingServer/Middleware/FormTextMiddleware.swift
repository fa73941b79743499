import BillingDomain
import Vapor

/// Every text a form sends is free of invisible control characters (NUL, escape …): a NUL in a
/// name or an e-mail address reaches the database, logs and e-mails and means nothing to a
/// person. Tabs and line breaks are kept (addresses and reasons have several lines). A form with
/// one is refused before any handler runs, with a message saying so, and nothing changes.
struct FormTextMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .POST, request.headers.contentType == .urlEncodedForm,
            let fields = try? request.content.decode([String: String].self)
        else { return try await next.respond(to: request) }
        if fields.contains(where: { $0.key.hasControlCharacters() || $0.value.hasControlCharacters(allowingLineBreaks: true) }) {
            request.logger.info("a form with control characters was refused", metadata: ["path": .string(request.url.path)])
            throw PageError.badRequest(messageKey: "error.control_characters")
        }
        return try await next.respond(to: request)
    }
}
