import BillingDomain
import BillingEngine
import Vapor

/// The language switch in every header: remembers the choice in a cookie and, for a logged-in
/// client, in the user's profile, then returns to the page it was pressed on.
struct LanguageController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post(SiteURL.language, use: switchLanguage)
    }

    struct Form: Content {
        var language: String?
        var back: String?
    }

    func switchLanguage(req: Request) async throws -> Response {
        let form = try req.content.decode(Form.self)
        guard let language = form.language.flatMap(Language.init(rawValue:)) else {
            throw PageError.badRequest(messageKey: "error.bad_request")
        }
        if let identity = try await SessionCookie.loadClient(req) {
            try await UserPreferences(context: req.engine).setLanguage(language, userID: identity.userID)
        }
        let response = req.redirect(to: req.safeReturnPath(form.back, fallback: "/"))
        response.cookies[LanguageMiddleware.cookieName] = HTTPCookies.Value(
            string: language.rawValue, expires: nil, maxAge: 365 * 86_400, domain: nil, path: "/",
            isSecure: req.billing.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
        return response
    }
}
