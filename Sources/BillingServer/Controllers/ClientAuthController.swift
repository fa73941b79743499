import BillingDomain
import BillingEngine
import Vapor

/// Sign-up, login, logout and password reset of the client area (ACC-1, ACC-8).
struct ClientAuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.root, use: root)
        routes.get(SiteURL.login, use: loginForm)
        routes.post(SiteURL.login, use: login)
        routes.get(SiteURL.signUp, use: signUpForm)
        routes.post(SiteURL.signUp, use: signUp)
        routes.get(SiteURL.loginLink(.key), use: loginLinkForm)
        routes.post(SiteURL.loginLink(.key), use: loginLink)
        routes.get(SiteURL.signUpConfirm(.key), use: confirmForm)
        routes.get(SiteURL.emailConfirm(.key)) { req in
            AuthPages.emailConfirm(PageContext(req), token: req.parameters.get("token") ?? "").response()
        }
        routes.post(SiteURL.emailConfirm(.key), use: confirmEmail)
        routes.post(SiteURL.signUpConfirm(.key), use: confirm)
        routes.post(SiteURL.logout, use: logout)
        routes.get(SiteURL.passwordForgot, use: forgotForm)
        routes.post(SiteURL.passwordForgot, use: forgot)
        routes.get(SiteURL.passwordReset(.key), use: resetForm)
        routes.post(SiteURL.passwordReset(.key), use: reset)
        routes.get(SiteURL.loginCode, use: loginCodeForm)
        routes.post(SiteURL.loginCode, use: loginCode)
        routes.get(SiteURL.invitation(.key), use: invitationForm)
        routes.post(SiteURL.invitation(.key), use: acceptInvitation)
    }

    func root(req: Request) async throws -> Response {
        req.redirect(to: try await SessionCookie.loadClient(req) != nil ? SiteURL.dashboard.path : SiteURL.login.path)
    }

    func loginForm(req: Request) async throws -> Response {
        if try await SessionCookie.loadClient(req) != nil { return req.redirect(to: SiteURL.dashboard.path) }
        return AuthPages.login(PageContext(req), next: req.query[String.self, at: "next"]).response()
    }

    struct LoginForm: Content {
        var email: String?
        var password: String?
        var next: String?
    }

    func login(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let email = form.email ?? ""
        do {
            let principal = try await Authentication(context: req.engine).login(
                realm: .client, email: email, password: form.password ?? "", ip: req.clientIP,
                device: req.cookies[SessionCookie.clientDevice]?.string, userAgent: req.headers.first(name: .userAgent))
            // With the two-step login on, the password only opens the code page (ACC-4).
            if try await TwoFactor(context: req.engine).isEnabled(realm: .client, principalID: principal.id) {
                try await AccountSecurity(context: req.engine).recordClient(
                    .codeRequested, userID: principal.id, ip: req.clientIP, userAgent: req.headers.first(name: .userAgent), channel: .web)
                let response = req.redirect(to: SiteURL.loginCode.path(["next": form.next]))
                response.cookies[PendingSecondStep.cookie] = PendingSecondStep.make(realm: .client, principalID: principal.id, for: req)
                return response
            }
            return try await startSession(req, userID: principal.id, next: form.next)
        } catch let error as LoginError {
            let page = PageContext(req)
            let status = HTTPStatus(error.status)
            return AuthPages.login(page, email: email, error: page.message(error), next: form.next)
                .response(status: status)
        }
    }

    func loginCodeForm(req: Request) async throws -> Response {
        guard PendingSecondStep.principal(realm: .client, in: req) != nil else { return req.redirect(to: SiteURL.login.path) }
        return SecurityPages.loginCode(PageContext(req), next: req.query[String.self, at: "next"]).response()
    }

    struct LoginCodeForm: Content {
        var code: String?
        var next: String?
    }

    func loginCode(req: Request) async throws -> Response {
        guard let userID = PendingSecondStep.principal(realm: .client, in: req) else {
            return req.redirect(to: SiteURL.login.notice("login_code_expired"))
        }
        let form = try req.content.decode(LoginCodeForm.self)
        do {
            try await TwoFactor(context: req.engine).verify(realm: .client, principalID: userID, code: form.code ?? "", ip: req.clientIP)
        } catch let error as TwoFactorError {
            try await AccountSecurity(context: req.engine).recordClient(
                error == .throttled ? .throttled : .wrongCode, userID: userID, ip: req.clientIP,
                userAgent: req.headers.first(name: .userAgent), channel: .web)
            let page = PageContext(req)
            return SecurityPages.loginCode(page, next: form.next, error: page.message(error)).response(status: HTTPStatus(error.status))
        }
        let response = try await startSession(req, userID: userID, next: form.next)
        response.cookies[PendingSecondStep.cookie] = SessionCookie.expired(path: "/")
        return response
    }

    /// Starts a fresh session (a new cookie value, never one the browser brought) and redirects.
    private func startSession(_ req: Request, userID: UUID, next: String?) async throws -> Response {
        let sessions = WebSessions(context: req.engine)
        if let old = req.cookies[SessionCookie.client]?.string { try await sessions.end(token: old) }
        let token = try await sessions.start(
            realm: .client, principalID: userID, ip: req.clientIP,
            userAgent: req.headers.first(name: .userAgent))
        let security = AccountSecurity(context: req.engine)
        try await security.recordClient(
            .success, userID: userID, ip: req.clientIP, userAgent: req.headers.first(name: .userAgent), channel: .web)
        if try await !TrustedDevices(context: req.engine).isTrusted(
            req.cookies[SessionCookie.clientDevice]?.string, realm: .client, principalID: userID)
        {
            try await security.noticeNewDevice(
                userID: userID, ip: req.clientIP, browser: Browsers.describe(req.headers.first(name: .userAgent), PageContext(req)))
        }
        let response = req.redirect(to: req.safeReturnPath(next, fallback: SiteURL.dashboard.path))
        response.cookies[SessionCookie.client] = SessionCookie.make(token, for: req, path: "/")
        try await SessionCookie.trustDevice(response, realm: .client, principalID: userID, for: req)
        CSRFMiddleware.rotate(response, for: req)
        return response
    }

    /// The e-mailed sign-in link (the second step while the e-mail's logins are locked). Opening
    /// it changes nothing (mail scanners open links); its button signs in and trusts the browser.
    func loginLinkForm(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        guard try await SignInLinks(context: req.engine).isUsable(token, realm: .client) else {
            return AuthPages.signInLinkExpired(PageContext(req), loginPath: SiteURL.login.path).response(status: .gone)
        }
        return AuthPages.signInLink(PageContext(req), action: SiteURL.loginLink(.value(token)).path).response()
    }

    func loginLink(req: Request) async throws -> Response {
        do {
            let userID = try await SignInLinks(context: req.engine).use(req.parameters.get("token") ?? "", realm: .client)
            return try await startSession(req, userID: userID, next: nil)
        } catch SignInLinkError.invalidOrExpiredLink {
            return AuthPages.signInLinkExpired(PageContext(req), loginPath: SiteURL.login.path).response(status: .gone)
        }
    }

    func signUpForm(req: Request) async throws -> Response {
        if try await SessionCookie.loadClient(req) != nil { return req.redirect(to: SiteURL.dashboard.path) }
        return AuthPages.signUp(PageContext(req), values: .init(country: req.billing.config.defaultCountry)).response()
    }

    struct SignUpFormData: Content {
        var email: String?
        var password: String?
        var name: String?
        var country: String?
    }

    func signUp(req: Request) async throws -> Response {
        let form = try req.content.decode(SignUpFormData.self)
        let values = AuthPages.SignUpValues(email: form.email ?? "", name: form.name ?? "", country: form.country ?? "")
        do {
            // The same answer whether or not the address has an account: "check your e-mail".
            try await AccountRegistration(context: req.engine).request(
                SignUpForm(
                    email: values.email, password: form.password ?? "", name: values.name, country: values.country,
                    language: req.language), ip: req.clientIP)
            return AuthPages.signUpSent(PageContext(req), email: values.email).response()
        } catch let error as SignUpError {
            let page = PageContext(req)
            return AuthPages.signUp(page, values: values, error: page.message(error)).response(status: HTTPStatus(error.status))
        }
    }

    /// The link of the sign-up e-mail. Opening it changes nothing (mail scanners open links);
    /// its button confirms the address and signs the user in.
    func confirmForm(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        guard try await AccountRegistration(context: req.engine).isUsableConfirmation(token: token) else {
            return AuthPages.signUpLinkExpired(PageContext(req)).response(status: .gone)
        }
        return AuthPages.signUpConfirm(PageContext(req), token: token).response()
    }

    /// The link of an address's confirmation: opening it changes nothing, its button confirms.
    func confirmEmail(req: Request) async throws -> Response {
        let page = PageContext(req)
        guard let email = try await AlternativeEmails(context: req.engine).confirm(token: req.parameters.get("token") ?? "") else {
            return AuthPages.emailConfirmed(page, email: nil).response(status: .gone)
        }
        return AuthPages.emailConfirmed(page, email: email).response()
    }

    struct ConfirmForm: Content { var password: String? }

    func confirm(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        let form = try req.content.decode(ConfirmForm.self)
        do {
            let userID = try await AccountRegistration(context: req.engine).confirm(token: token, password: form.password ?? "")
            return try await startSession(req, userID: userID, next: SiteURL.dashboard.notice("welcome"))
        } catch SignUpConfirmationError.invalidOrExpiredLink {
            return AuthPages.signUpLinkExpired(PageContext(req)).response(status: .gone)
        } catch let error as SignUpConfirmationError {
            let page = PageContext(req)
            return AuthPages.signUpConfirm(page, token: token, error: page.message(error)).response(status: HTTPStatus(error.status))
        }
    }

    /// The link of an invitation: opening it changes nothing; its form sets the new user's
    /// password and signs them in.
    func invitationForm(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        guard try await AccountUsers(context: req.engine).isUsableInvitation(token: token) else {
            return AccountPages.invitationExpired(PageContext(req)).response(status: .gone)
        }
        return AccountPages.invitation(PageContext(req), token: token).response()
    }

    func acceptInvitation(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        let form = try req.content.decode(ConfirmForm.self)
        do {
            let userID = try await AccountUsers(context: req.engine).acceptInvitation(token: token, password: form.password ?? "")
            return try await startSession(req, userID: userID, next: SiteURL.dashboard.notice("welcome"))
        } catch InvitationError.invalidOrExpiredLink {
            return AccountPages.invitationExpired(PageContext(req)).response(status: .gone)
        } catch let error as InvitationError {
            let page = PageContext(req)
            return AccountPages.invitation(page, token: token, error: page.message(error)).response(status: HTTPStatus(error.status))
        }
    }

    func logout(req: Request) async throws -> Response {
        if let token = req.cookies[SessionCookie.client]?.string {
            try await WebSessions(context: req.engine).end(token: token)
        }
        let response = req.redirect(to: SiteURL.login.notice("logged_out"))
        response.cookies[SessionCookie.client] = SessionCookie.expired(path: "/")
        return response
    }

    func forgotForm(req: Request) async throws -> Response {
        AuthPages.forgot(PageContext(req), sent: false).response()
    }

    struct ForgotForm: Content { var email: String? }

    func forgot(req: Request) async throws -> Response {
        let form = try req.content.decode(ForgotForm.self)
        guard let email = form.email, EmailAddress.normalized(email) != nil else {
            let page = PageContext(req)
            return AuthPages.forgot(page, sent: false, error: page.t("error.signup.invalidEmail")).response(status: .unprocessableEntity)
        }
        // Past the limits nothing is sent, but the answer stays "sent": a refusal here would let
        // anyone lock an owner out of their own reset for an hour with five requests, and would
        // tell which addresses are being hammered.
        if try await RequestThrottle(context: req.engine).admit(
            .passwordReset, email: EmailAddress.normalized(email) ?? email, ip: req.clientIP)
        {
            try await PasswordResets(context: req.engine).request(email: email, language: req.language)
        } else {
            req.logger.info("password reset not sent: request limits reached")
        }
        // The same answer whether or not the address has an account.
        return AuthPages.forgot(PageContext(req), sent: true).response()
    }

    func resetForm(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        guard try await PasswordResets(context: req.engine).isUsable(token: token) else {
            return AuthPages.resetExpired(PageContext(req)).response(status: .gone)
        }
        return AuthPages.reset(PageContext(req), token: token).response()
    }

    struct ResetForm: Content { var password: String? }

    func reset(req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        let form = try req.content.decode(ResetForm.self)
        do {
            try await PasswordResets(context: req.engine).complete(token: token, newPassword: form.password ?? "")
            return req.redirect(to: SiteURL.login.notice("password_changed"))
        } catch PasswordResetError.invalidOrExpiredLink {
            return AuthPages.resetExpired(PageContext(req)).response(status: .gone)
        } catch PasswordResetError.password(let violation) {
            let page = PageContext(req)
            return AuthPages.reset(page, token: token, error: page.message(violation)).response(status: .unprocessableEntity)
        }
    }
}
