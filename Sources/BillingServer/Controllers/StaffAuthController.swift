import BillingDomain
import BillingEngine
import Vapor

/// The staff login at /admin/login: separate users, separate cookie, same throttling.
struct StaffAuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.staff(.login), use: loginForm)
        routes.post(SiteURL.staff(.login), use: login)
        routes.get(SiteURL.staff(.loginLink(.key)), use: loginLinkForm)
        routes.post(SiteURL.staff(.loginLink(.key)), use: loginLink)
        routes.post(SiteURL.staff(.logout), use: logout)
        routes.get(SiteURL.staff(.invitation(.key)), use: invitationForm)
        routes.post(SiteURL.staff(.invitation(.key)), use: acceptInvitation)
        routes.get(SiteURL.staff(.loginCode), use: loginCodeForm)
        routes.post(SiteURL.staff(.loginCode), use: loginCode)
    }

    /// An invited member's link: opening it changes nothing; its form sets their password.
    func invitationForm(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        guard try await StaffInvitations(context: req.engine).isUsable(token: token) else {
            return AccountPages.invitationExpired(PageContext(req), login: .staff(.login)).response(status: .gone)
        }
        return AccountPages.invitation(PageContext(req), action: SiteURL.staff(.invitation(.value(token))).path).response()
    }

    struct PasswordForm: Content { var password: String? }

    func acceptInvitation(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        do {
            try await StaffInvitations(context: req.engine).accept(
                token: token, password: (try req.content.decode(PasswordForm.self)).password ?? "")
            return req.redirect(to: SiteURL.staff(.login).notice("staff_password_set"))
        } catch InvitationError.invalidOrExpiredLink {
            return AccountPages.invitationExpired(PageContext(req), login: .staff(.login)).response(status: .gone)
        } catch let error as InvitationError {
            let page = PageContext(req)
            return AccountPages.invitation(page, action: SiteURL.staff(.invitation(.value(token))).path, error: page.message(error))
                .response(status: HTTPStatus(error.status))
        }
    }

    func loginCodeForm(req: Request) async throws -> Response {
        guard PendingSecondStep.principal(realm: .staff, in: req) != nil else { return req.redirect(to: SiteURL.staff(.login).path) }
        return SecurityPages.loginCode(PageContext(req), next: nil, action: .staff(.loginCode), back: .staff(.login)).response()
    }

    func loginCode(req: Request) async throws -> Response {
        guard let staffID = PendingSecondStep.principal(realm: .staff, in: req) else {
            return req.redirect(to: SiteURL.staff(.login).notice("login_code_expired"))
        }
        let form = try req.content.decode(ClientAuthController.LoginCodeForm.self)
        do {
            try await TwoFactor(context: req.engine).verify(realm: .staff, principalID: staffID, code: form.code ?? "", ip: req.clientIP)
        } catch let error as TwoFactorError {
            let page = PageContext(req)
            return SecurityPages.loginCode(page, next: nil, error: page.message(error), action: .staff(.loginCode), back: .staff(.login))
                .response(status: HTTPStatus(error.status))
        }
        let response = try await startSession(req, staffID: staffID)
        response.cookies[PendingSecondStep.cookie] = SessionCookie.expired(path: "/")
        return response
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
            let principal = try await Authentication(context: req.engine).login(
                realm: .staff, email: form.email ?? "", password: form.password ?? "", ip: req.clientIP,
                device: req.cookies[SessionCookie.staffDevice]?.string, userAgent: req.headers.first(name: .userAgent))
            if try await TwoFactor(context: req.engine).isEnabled(realm: .staff, principalID: principal.id) {
                let response = req.redirect(to: SiteURL.staff(.loginCode).path)
                response.cookies[PendingSecondStep.cookie] = PendingSecondStep.make(realm: .staff, principalID: principal.id, for: req)
                return response
            }
            return try await startSession(req, staffID: principal.id)
        } catch let error as LoginError {
            let page = PageContext(req)
            return AuthPages.login(
                page, email: form.email ?? "", error: page.message(error),
                action: SiteURL.staff(.login).path, staff: true
            )
            .response(status: HTTPStatus(error.status))
        }
    }

    /// A fresh staff session (never a cookie value the browser brought), and the browser trusted.
    private func startSession(_ req: Request, staffID: UUID) async throws -> Response {
        let sessions = WebSessions(context: req.engine)
        if let old = req.cookies[SessionCookie.staff]?.string { try await sessions.end(token: old) }
        let token = try await sessions.start(
            realm: .staff, principalID: staffID, ip: req.clientIP, userAgent: req.headers.first(name: .userAgent))
        let response = req.redirect(to: SiteURL.staff(.clients).path)
        response.cookies[SessionCookie.staff] = SessionCookie.make(token, for: req, path: "/")
        try await SessionCookie.trustDevice(response, realm: .staff, principalID: staffID, for: req)
        CSRFMiddleware.rotate(response, for: req)
        return response
    }

    /// The e-mailed sign-in link of a member of staff (see the client's).
    func loginLinkForm(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        guard try await SignInLinks(context: req.engine).isUsable(token, realm: .staff) else {
            return AuthPages.signInLinkExpired(PageContext(req), loginPath: SiteURL.staff(.login).path).response(status: .gone)
        }
        return AuthPages.signInLink(PageContext(req), action: SiteURL.staff(.loginLink(.value(token))).path).response()
    }

    func loginLink(req: Request) async throws -> Response {
        do {
            let staffID = try await SignInLinks(context: req.engine).use(req.parameters.get("token") ?? "", realm: .staff)
            return try await startSession(req, staffID: staffID)
        } catch SignInLinkError.invalidOrExpiredLink {
            return AuthPages.signInLinkExpired(PageContext(req), loginPath: SiteURL.staff(.login).path).response(status: .gone)
        }
    }

    func logout(req: Request) async throws -> Response {
        if let token = req.cookies[SessionCookie.staff]?.string { try await WebSessions(context: req.engine).end(token: token) }
        let response = req.redirect(to: SiteURL.staff(.login).notice("logged_out"))
        response.cookies[SessionCookie.staff] = SessionCookie.expired(path: "/")
        return response
    }
}
