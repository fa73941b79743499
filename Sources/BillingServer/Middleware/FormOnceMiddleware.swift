import BillingEngine
import Vapor

extension Request {
    /// The scope a browser's one-time form keys live in: derived from its CSRF token, so the
    /// keys of one browser never meet another's, signed in or not (pay links, the sandbox page).
    var formKeyScope: String { "form:" + SecretToken.digest(csrfToken) }
}

/// One effect per form, whatever the network does: every form carries a one-time key (`_once`,
/// written by `UI.csrfField`), claimed in the database (`APIIdempotency`, unique scope + key)
/// before the handler runs. A double click, a resent POST or a slow network's retry of the same
/// form finds the claim and is sent where the first submission went (its redirect is kept); a
/// repeat that arrives while the first still runs waits for it. A form whose first submission
/// was refused (a page with an error, nothing changed) releases its key and may be sent again.
/// A form POST without a well-formed key is refused like one without its CSRF token: every form
/// of ours carries one, so only a hand-made request lacks it (30 such requests at once used to
/// make 30 renewal orders).
struct FormOnceMiddleware: AsyncMiddleware {
    static let fieldName = "_once"
    /// How long a repeat waits for the first submission before saying it is still running.
    static let waitForFirst: Duration = .seconds(20)

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .POST, !request.url.path.hasPrefix("/api/"), !request.url.path.hasPrefix("/webhooks/")
        else { return try await next.respond(to: request) }
        guard let key = try? request.content.get(String.self, at: Self.fieldName),
            (16...64).contains(key.count), key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
        else {
            request.logger.info("a form was sent without its one-time key", metadata: ["path": .string(request.url.path)])
            throw PageError.csrf
        }
        let keys = APIIdempotency(context: request.engine)
        let scope = request.formKeyScope
        let hash = APIIdempotency.requestHash(method: "POST", path: request.url.path, body: "")
        let deadline = ContinuousClock.now + Self.waitForFirst
        while true {
            switch try await keys.claim(scope: scope, key: key, requestHash: hash) {
            case .first(let id):
                let response: Response
                do {
                    response = try await next.respond(to: request)
                } catch {
                    try? await keys.release(id)
                    throw error
                }
                if (300..<400).contains(response.status.code), let location = response.headers.first(name: .location) {
                    try await keys.complete(id, status: Int(response.status.code), contentType: "", body: location)
                } else {
                    // A refusal shown on the form (nothing changed) or a page that only shows
                    // something (a quote): the key may be used again.
                    try? await keys.release(id)
                }
                return response
            case .replay(_, _, let location):
                request.logger.info(
                    "a repeated form submission was answered with the first one's result",
                    metadata: ["path": .string(request.url.path)])
                return request.redirect(to: location, redirectType: .normal)
            case .inProgress:
                guard ContinuousClock.now < deadline else { throw PageError.stillRunning }
                try await Task.sleep(for: .milliseconds(100))
            case .mismatch:
                throw PageError.csrf
            }
        }
    }
}
