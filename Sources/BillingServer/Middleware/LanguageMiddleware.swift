import BillingDomain
import Vapor

extension Request {
    private struct LanguageKey: StorageKey { typealias Value = Language }

    /// The interface language of this request: the logged-in user's choice, else the `lang`
    /// cookie, else the browser's `Accept-Language`, else the provider's default.
    var language: Language {
        get { storage[LanguageKey.self] ?? application.billing.config.defaultLanguage }
        set { storage[LanguageKey.self] = newValue }
    }
}

/// Decides the request's language before anything renders.
struct LanguageMiddleware: AsyncMiddleware {
    static let cookieName = "lang"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let cookie = request.cookies[Self.cookieName]?.string, let language = Language(rawValue: cookie) {
            request.language = language
        } else if let preferred = Language.preferred(fromAcceptLanguage: request.headers.first(name: .acceptLanguage)) {
            request.language = preferred
        }
        return try await next.respond(to: request)
    }
}
