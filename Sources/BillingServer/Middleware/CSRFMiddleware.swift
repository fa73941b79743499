import BillingDomain
import BillingEngine
import Vapor

extension Request {
    private struct CSRFKey: StorageKey { typealias Value = String }

    /// The token every state-changing form of this page must send back as `_csrf`.
    var csrfToken: String {
        get { storage[CSRFKey.self] ?? "" }
        set { storage[CSRFKey.self] = newValue }
    }
}

/// CSRF protection for every form: a signed double-submit token. The browser holds a random
/// HttpOnly seed cookie; the form carries HMAC(server key, seed). A page on another site can make
/// the browser send the cookie but cannot read it or compute the token, so its POST is refused.
struct CSRFMiddleware: AsyncMiddleware {
    static let cookieName = "csrf_seed"
    static let fieldName = "_csrf"

    /// Gives the browser a new seed at login, so a token learned before login (a shared computer,
    /// a planted cookie) is worthless after it.
    static func rotate(_ response: Response, for request: Request) {
        response.cookies[cookieName] = seedCookie(SecretToken.generate(), for: request)
    }

    static func seedCookie(_ seed: String, for request: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: seed, expires: nil, maxAge: nil, domain: nil, path: "/",
            isSecure: request.billing.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // The API authenticates with bearer tokens, never cookies, so cross-site forms cannot use
        // it; gateways sign their webhooks.
        if request.url.path.hasPrefix("/api/") || request.url.path.hasPrefix("/webhooks/") { return try await next.respond(to: request) }
        let existingSeed = (request.cookies[Self.cookieName]?.string).flatMap { $0.count == 43 ? $0 : nil }
        let seed = existingSeed ?? SecretToken.generate()
        let expected = SecretToken.sign("csrf:" + seed, key: request.billing.signingKey)
        request.csrfToken = expected

        if request.method != .GET, request.method != .HEAD {
            // Middleware runs before the route collects the body; a body that did not arrive with
            // the headers (long URLs and cookies push it into a later packet) is collected here.
            if request.body.data == nil { _ = try await request.body.collect(max: 1 << 20).get() }
            let sent = (try? request.content.get(String.self, at: Self.fieldName)) ?? request.headers.first(name: "X-CSRF-Token") ?? ""
            guard existingSeed != nil, ConstantTime.equals(sent, expected) else {
                request.logger.notice("refused a form without a valid CSRF token", metadata: ["path": .string(request.url.path)])
                throw PageError.csrf
            }
        }
        let response = try await next.respond(to: request)
        if existingSeed == nil, response.cookies[Self.cookieName] == nil {
            response.cookies[Self.cookieName] = Self.seedCookie(seed, for: request)
        }
        return response
    }
}
