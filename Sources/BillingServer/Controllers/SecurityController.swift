import BillingDomain
import BillingEngine
import NIOFoundationCompat
import Plot
import Vapor

/// The user's own security page: the two-step login (ACC-4). Every user has it for their own
/// login, whatever rights the account gives them.
struct SecurityController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.security, use: show)
        for action in SecurityAction.allCases {
            routes.post(SiteURL.securityAction(action)) { req in try await perform(action, req: req) }
        }
        routes.post(SiteURL.sessionEnd(.key), use: endSession)
        routes.post(SiteURL.tokenRevoke(.key), use: revokeToken)
        routes.get(SiteURL.profile, use: profile)
        routes.get(SiteURL.settings) { req in SecurityPages.settings(try await PageContext.client(req)).response() }
        routes.post(SiteURL.profile, use: rename)
        routes.post(SiteURL.profilePassword, use: changePassword)
        routes.post(SiteURL.phone, use: setPhone)
        routes.get(SiteURL.avatar, use: avatar)
        routes.post(SiteURL.avatar, use: uploadAvatar)
        routes.post(SiteURL.avatarDelete, use: removeAvatar)
        for action in PhoneAction.allCases {
            routes.post(SiteURL.phoneAction(action)) { req in try await phone(action, req: req) }
        }
        routes.post(SiteURL.allowedNetworks, use: saveNetworks)
        routes.post(SiteURL.codeWord, use: saveCodeWord)
        routes.post(SiteURL.emails, use: addEmail)
        routes.post(SiteURL.email(.key), use: updateEmail)
        routes.post(SiteURL.emailDelete(.key), use: deleteEmail)
        routes.post(SiteURL.emailResend(.key), use: resendEmail)
        routes.post(SiteURL.personalDataExport, use: exportPersonalData)
        for kind in PrivacyRequestKind.allCases {
            routes.post(SiteURL.privacyRequest(kind)) { req in try await askPrivacy(kind, req: req) }
        }
    }

    struct NetworksForm: Content {
        var networks: String?
        var confirmLockout: String?

        enum CodingKeys: String, CodingKey {
            case networks
            case confirmLockout = "confirm_lockout"
        }
    }

    func saveNetworks(req: Request) async throws -> Response {
        let identity = try req.client
        let form = try req.content.decode(NetworksForm.self)
        do {
            _ = try await AccountSecurity(context: req.engine).setAllowedNetworks(
                form.networks ?? "", confirmLockout: form.confirmLockout != nil, ip: req.clientIP, caller: identity.caller)
            return req.redirect(to: SiteURL.security.notice("networks_saved"))
        } catch let error as AccountSecurityError {
            return try await page(req, view: try await view(req)) { protection, page in
                protection.networksText = form.networks
                protection.needsConfirmation = error == .wouldLockOut(req.clientIP)
                protection.networksError = page.message(error)
            }.response(status: HTTPStatus(error.status))
        }
    }

    struct CodeWordForm: Content { var word: String? }

    func saveCodeWord(req: Request) async throws -> Response {
        let identity = try req.client
        do {
            try await AccountSecurity(context: req.engine).setCodeWord(
                try req.content.decode(CodeWordForm.self).word ?? "", caller: identity.caller)
            return req.redirect(to: SiteURL.security.notice("code_word_saved"))
        } catch let error as AccountSecurityError {
            return try await page(req, view: try await view(req)) { $0.codeWordError = $1.message(error) }
                .response(status: HTTPStatus(error.status))
        }
    }

    func endSession(req: Request) async throws -> Response {
        try await AccountSecurity(context: req.engine).endSession(
            try req.parameters.require("sessionID", as: UUID.self), caller: try req.client.caller)
        return req.redirect(to: SiteURL.security.notice("session_ended"))
    }

    func revokeToken(req: Request) async throws -> Response {
        try await AccountSecurity(context: req.engine).revokeToken(
            try req.parameters.require("tokenID", as: UUID.self), caller: try req.client.caller)
        return req.redirect(to: SiteURL.security.notice("token_revoked"))
    }

    func profile(req: Request) async throws -> Response {
        try await profilePage(req)
    }

    private func profilePage(
        _ req: Request, error: (any Refusal)? = nil, passwordError: (any Refusal)? = nil, emailsError: (any Refusal)? = nil,
        phoneError: (any Refusal)? = nil, typedNumber: String? = nil, avatarError: (any Refusal)? = nil
    ) async throws -> Response {
        let identity = try req.client
        let page = try await PageContext.client(req)
        let emails = try await AlternativeEmails(context: req.engine).list(caller: identity.caller)
        let requests = try await PersonalData(context: req.engine).requests(caller: identity.caller)
        let phone = try await PhoneNumbers(context: req.engine).status(caller: identity.caller)
        let avatar = try await Avatars(context: req.engine).updatedAt(caller: identity.caller)
        let status = (error ?? passwordError ?? emailsError ?? phoneError ?? avatarError).map { HTTPStatus($0.status) } ?? .ok
        return SecurityPages.profile(
            page, user: ClientUser(identity.user), phone: phone, emails: emails, requests: requests, error: error.map(page.message),
            passwordError: passwordError.map(page.message), emailsError: emailsError.map(page.message),
            phoneError: phoneError.map(page.message), typedNumber: typedNumber, avatar: avatar, avatarError: avatarError.map(page.message)
        ).response(status: status)
    }

    /// The picture, only ever as the image type its bytes were checked to be, never rendered as
    /// a document (a sandboxing policy of its own, `nosniff` from the headers middleware).
    func avatar(req: Request) async throws -> Response {
        guard let image = try await Avatars(context: req.engine).image(caller: try req.client.caller) else { throw PageError.notFound }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: image.contentType)
        headers.replaceOrAdd(
            name: .contentDisposition, value: "inline; filename=\"avatar.\(image.contentType == "image/png" ? "png" : "jpg")\"")
        headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=86400")
        return Response(status: .ok, headers: headers, body: .init(data: image.data))
    }

    struct AvatarForm: Content { var avatar: File? }

    func uploadAvatar(req: Request) async throws -> Response {
        let file = (try? req.content.decode(AvatarForm.self))?.avatar
        do {
            try await Avatars(context: req.engine).set(Data(buffer: file?.data ?? ByteBuffer()), caller: try req.client.caller)
            return req.redirect(to: SiteURL.profile.notice("avatar_saved"))
        } catch let error as AvatarError {
            return try await profilePage(req, avatarError: error)
        }
    }

    func removeAvatar(req: Request) async throws -> Response {
        try await Avatars(context: req.engine).remove(caller: try req.client.caller)
        return req.redirect(to: SiteURL.profile.notice("avatar_removed"))
    }

    struct PhoneForm: Content {
        var number: String?
        var code: String?
    }

    func setPhone(req: Request) async throws -> Response {
        let form = try req.content.decode(PhoneForm.self)
        do {
            try await PhoneNumbers(context: req.engine).set(form.number ?? "", caller: try req.client.caller)
            return req.redirect(to: SiteURL.profile.notice("phone_code_sent"))
        } catch let error as PhoneError {
            return try await profilePage(req, phoneError: error, typedNumber: form.number)
        }
    }

    func phone(_ action: PhoneAction, req: Request) async throws -> Response {
        let phones = PhoneNumbers(context: req.engine)
        let caller = try req.client.caller
        do {
            switch action {
            case .confirm:
                try await phones.confirm((try? req.content.decode(PhoneForm.self))?.code ?? "", caller: caller)
                let now = try await phones.status(caller: caller)
                return req.redirect(to: SiteURL.profile.notice(now.pending == nil ? "phone_confirmed" : "phone_code_sent"))
            case .resend:
                try await phones.resend(caller: caller)
                return req.redirect(to: SiteURL.profile.notice("phone_code_sent"))
            case .remove:
                try await phones.remove(caller: caller)
                let now = try await phones.status(caller: caller)
                return req.redirect(to: SiteURL.profile.notice(now.number == nil ? "phone_removed" : "phone_code_sent"))
            }
        } catch let error as PhoneError {
            return try await profilePage(req, phoneError: error)
        }
    }

    /// The categories ticked in a form (`category.finance` …).
    static func categories(_ req: Request) throws -> Set<MailCategory> {
        let fields = try req.content.decode([String: String].self)
        return Set(AlternativeEmails.categories.filter { fields["category." + $0.rawValue] != nil })
    }

    func addEmail(req: Request) async throws -> Response {
        let identity = try req.client
        let fields = try req.content.decode([String: String].self)
        do {
            try await AlternativeEmails(context: req.engine).add(
                fields["email"] ?? "", categories: try Self.categories(req), caller: identity.caller)
            return req.redirect(to: SiteURL.profile.notice("email_confirmation_sent"))
        } catch let error as AlternativeEmailError {
            return try await profilePage(req, emailsError: error)
        }
    }

    func updateEmail(req: Request) async throws -> Response {
        try await AlternativeEmails(context: req.engine).setCategories(
            try req.parameters.require("emailID", as: UUID.self), try Self.categories(req), caller: try req.client.caller)
        return req.redirect(to: SiteURL.profile.notice("email_saved"))
    }

    func resendEmail(req: Request) async throws -> Response {
        do {
            try await AlternativeEmails(context: req.engine).resendConfirmation(
                try req.parameters.require("emailID", as: UUID.self), caller: try req.client.caller)
            return req.redirect(to: SiteURL.profile.notice("email_confirmation_sent"))
        } catch let error as AlternativeEmailError {
            return try await profilePage(req, emailsError: error)
        }
    }

    func exportPersonalData(req: Request) async throws -> Response {
        do {
            try await PersonalData(context: req.engine).requestExport(caller: try req.client.caller)
            return req.redirect(to: SiteURL.profile.notice("personal_data_sent"))
        } catch let error as PersonalDataError {
            return try await profilePage(req, error: error)
        }
    }

    struct MessageForm: Content { var message: String? }

    func askPrivacy(_ kind: PrivacyRequestKind, req: Request) async throws -> Response {
        do {
            try await PersonalData(context: req.engine).request(
                kind, message: (try? req.content.decode(MessageForm.self))?.message ?? "", caller: try req.client.caller)
            return req.redirect(to: SiteURL.profile.notice("privacy_requested"))
        } catch let error as PrivacyRequestError {
            return try await profilePage(req, error: error)
        }
    }

    func deleteEmail(req: Request) async throws -> Response {
        try await AlternativeEmails(context: req.engine).remove(
            try req.parameters.require("emailID", as: UUID.self), caller: try req.client.caller)
        return req.redirect(to: SiteURL.profile.notice("email_removed"))
    }

    struct NameForm: Content { var name: String? }

    func rename(req: Request) async throws -> Response {
        let identity = try req.client
        do {
            try await AccountSecurity(context: req.engine).rename(try req.content.decode(NameForm.self).name ?? "", caller: identity.caller)
            return req.redirect(to: SiteURL.profile.notice("profile_saved"))
        } catch let error as AccountSecurityError {
            return try await profilePage(req, error: error)
        }
    }

    struct PasswordForm: Content {
        var current: String?
        var password: String?
    }

    func changePassword(req: Request) async throws -> Response {
        let identity = try req.client
        let form = try req.content.decode(PasswordForm.self)
        do {
            try await AccountSecurity(context: req.engine).changePassword(
                current: form.current ?? "", new: form.password ?? "", caller: identity.caller, keeping: identity.sessionToken)
            return req.redirect(to: SiteURL.profile.notice("password_changed_here"))
        } catch let error as AccountSecurityError {
            return try await profilePage(req, passwordError: error)
        }
    }

    func show(req: Request) async throws -> Response {
        try await page(req, view: try await view(req)).response()
    }

    private func view(_ req: Request) async throws -> SecurityPages.TwoFactorView {
        let identity = try req.client
        let twoFactor = TwoFactor(context: req.engine)
        return SecurityPages.TwoFactorView(
            status: try await twoFactor.status(realm: .client, principalID: identity.userID),
            enrolment: try await twoFactor.pendingEnrolment(realm: .client, principalID: identity.userID, label: identity.email))
    }

    private func page(
        _ req: Request, view: SecurityPages.TwoFactorView, error: (any Refusal)? = nil,
        adjust: (inout SecurityPages.Protection, PageContext) -> Void = { _, _ in }
    ) async throws -> HTML {
        let page = try await PageContext.client(req)
        let identity = try req.client
        let caller = identity.caller
        let security = AccountSecurity(context: req.engine)
        var activity = SecurityPages.Activity(
            sessions: try await security.sessions(caller: caller, current: identity.sessionToken),
            tokens: try await security.tokens(caller: caller), history: try await security.history(caller: caller),
            wholeAccount: caller.may(.security))
        if caller.may(.security) {
            var protection = SecurityPages.Protection(
                networks: try await security.allowedNetworks(caller: caller), hasCodeWord: try await security.hasCodeWord(caller: caller),
                ip: req.clientIP)
            adjust(&protection, page)
            activity.protection = protection
        }
        return SecurityPages.security(page, twoFactor: view, activity: activity, error: error.map(page.message))
    }

    struct CodeForm: Content { var code: String? }

    /// The page with new recovery codes: in this answer only, not cached, never shown again.
    private func showing(_ codes: [String], _ req: Request) async throws -> Response {
        var view = try await view(req)
        view.recoveryCodes = codes
        let response = try await page(req, view: view).response()
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    func perform(_ action: SecurityAction, req: Request) async throws -> Response {
        let identity = try req.client
        let twoFactor = TwoFactor(context: req.engine)
        let code = (try? req.content.decode(CodeForm.self))?.code ?? ""
        do {
            switch action {
            case .twoFactorStart:
                _ = try await twoFactor.begin(realm: .client, principalID: identity.userID, label: identity.email)
                return req.redirect(to: SiteURL.security.path)
            case .twoFactorConfirm:
                return try await showing(
                    try await twoFactor.confirm(realm: .client, principalID: identity.userID, code: code, ip: req.clientIP), req)
            case .recoveryCodes:
                return try await showing(
                    try await twoFactor.regenerateRecoveryCodes(realm: .client, principalID: identity.userID, code: code, ip: req.clientIP),
                    req)
            case .endOtherSessions:
                try await AccountSecurity(context: req.engine).endOtherSessions(caller: identity.caller, keeping: identity.sessionToken)
                return req.redirect(to: SiteURL.security.notice("other_sessions_ended"))
            case .twoFactorDisable:
                try await twoFactor.disable(realm: .client, principalID: identity.userID, code: code, ip: req.clientIP)
                return req.redirect(to: SiteURL.security.notice("two_factor_off"))
            }
        } catch let error as TwoFactorError {
            return try await page(req, view: try await view(req), error: error).response(status: HTTPStatus(error.status))
        }
    }
}

/// The login waiting for its second step: a short-lived signed cookie names the user whose
/// password was right, so the code page knows whom to check and nothing else is kept.
enum PendingSecondStep {
    static let cookie = "b2fa"
    static let lifetime: TimeInterval = 300

    static func make(realm: Realm, principalID: UUID, for req: Request) -> HTTPCookies.Value {
        let expires = Int(req.engine.clock.now.timeIntervalSince1970 + lifetime)
        let payload = principalID.uuidString.lowercased() + "." + String(expires)
        let value = payload + "." + SecretToken.sign("2fa:\(realm.rawValue):" + payload, key: req.billing.signingKey)
        return HTTPCookies.Value(
            string: value, expires: nil, maxAge: Int(lifetime), domain: nil, path: "/",
            isSecure: req.billing.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    /// The user the cookie names, while it is unexpired and its signature holds.
    static func principal(realm: Realm, in req: Request) -> UUID? {
        guard let value = req.cookies[cookie]?.string, value.count < 200 else { return nil }
        let parts = value.split(separator: ".").map(String.init)
        guard parts.count == 3, let id = UUID(uuidString: parts[0]), let expires = Int(parts[1]),
            Double(expires) > req.engine.clock.now.timeIntervalSince1970,
            SecretToken.sign("2fa:\(realm.rawValue):" + parts[0] + "." + parts[1], key: req.billing.signingKey) == parts[2]
        else { return nil }
        return id
    }
}
