import BillingDomain
import BillingEngine
import Vapor

/// The staff login at /admin/login: separate users, separate cookie, same throttling.
struct StaffAuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.staff(.login), use: loginForm)
        routes.post(SiteURL.staff(.login), use: login)
        routes.post(SiteURL.staff(.logout), use: logout)
    }

    func loginForm(req: Request) async throws -> Response {
        AuthPages.login(PageContext(req), action: SiteURL.staff(.login).path, staff: true).response()
    }

    struct Form: Content {
        var email: String?
        var password: String?
    }

    func login(req: Request) async throws -> Response {
        let form = try req.content.decode(Form.self)
        do {
            let principal = try await Authentication(context: req.engine)
                .login(realm: .staff, email: form.email ?? "", password: form.password ?? "", ip: req.clientIP)
            let sessions = WebSessions(context: req.engine)
            if let old = req.cookies[SessionCookie.staff]?.string { try await sessions.end(token: old) }
            let token = try await sessions.start(
                realm: .staff, principalID: principal.id, ip: req.clientIP,
                userAgent: req.headers.first(name: .userAgent))
            let response = req.redirect(to: SiteURL.staff(.clients).path)
            response.cookies[SessionCookie.staff] = SessionCookie.make(token, for: req, path: "/")
            CSRFMiddleware.rotate(response, for: req)
            return response
        } catch let error as LoginError {
            let page = PageContext(req)
            return AuthPages.login(
                page, email: form.email ?? "", error: page.message(error),
                action: SiteURL.staff(.login).path, staff: true
            )
            .response(status: error == .throttled ? .tooManyRequests : .unauthorized)
        }
    }

    func logout(req: Request) async throws -> Response {
        if let token = req.cookies[SessionCookie.staff]?.string { try await WebSessions(context: req.engine).end(token: token) }
        let response = req.redirect(to: SiteURL.staff(.login).notice("logged_out"))
        response.cookies[SessionCookie.staff] = SessionCookie.expired(path: "/")
        return response
    }
}
