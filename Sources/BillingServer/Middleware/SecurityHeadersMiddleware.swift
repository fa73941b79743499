import Vapor

/// Headers every answer carries, error pages and API errors included (this middleware sits
/// outside the error middleware): no framing (clickjacking), no MIME sniffing, a strict content
/// security policy (our own scripts and styles, no `<base>`, forms only to us and to the payment
/// gateways' own pages), no referrer leaking pay-link tokens, and HSTS when served over https.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    /// The policy of HTML pages; `formTargets` are the configured gateways' page origins.
    static func contentSecurityPolicy(formTargets: [String]) -> String {
        let forms = (["'self'"] + formTargets).joined(separator: " ")
        return "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; "
            + "object-src 'none'; frame-ancestors 'none'; form-action \(forms)"
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        if request.billing.config.secureCookies {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
        }
        if response.headers.contentType == .html {
            response.headers.replaceOrAdd(name: "Content-Security-Policy", value: request.billing.contentSecurityPolicy)
        }
        // Pages, API answers (an issued token among them) and CSV exports hold a client's data:
        // no cache, shared or private, keeps them. Only what says otherwise (the fingerprinted
        // assets) is cached.
        if response.headers.first(name: .cacheControl) == nil {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }
}
