import BillingDomain
import BillingEngine
import Vapor

/// A member of staff's own two-step login (`/admin/security`, ASVS 4.3.1): the same enrolment,
/// codes and recovery codes as a client's, in the staff realm.
struct StaffSecurityController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.staff(.security), use: show)
        for action in [SecurityAction.twoFactorStart, .twoFactorConfirm, .twoFactorDisable, .recoveryCodes] {
            routes.post(SiteURL.staff(.securityAction(action))) { req in try await perform(action, req: req) }
        }
    }

    private func view(_ req: Request, recoveryCodes: [String]? = nil) async throws -> SecurityPages.TwoFactorView {
        let staff = try req.staff
        let twoFactor = TwoFactor(context: req.engine)
        return SecurityPages.TwoFactorView(
            status: try await twoFactor.status(realm: .staff, principalID: staff.staffID),
            enrolment: try await twoFactor.pendingEnrolment(realm: .staff, principalID: staff.staffID, label: staff.email),
            recoveryCodes: recoveryCodes)
    }

    private func render(_ req: Request, _ view: SecurityPages.TwoFactorView, error: (any Refusal)? = nil) async throws -> Response {
        let page = PageContext(req)
        let required = try await StaffAccounts(context: req.engine).twoFactorRequired()
        let response = SecurityPages.staffSecurity(page, twoFactor: view, required: required, error: error.map(page.message))
            .response(status: error.map { HTTPStatus($0.status) } ?? .ok)
        if view.recoveryCodes != nil { response.headers.replaceOrAdd(name: .cacheControl, value: "no-store") }
        return response
    }

    func show(req: Request) async throws -> Response { try await render(req, try await view(req)) }

    func perform(_ action: SecurityAction, req: Request) async throws -> Response {
        let staff = try req.staff
        let twoFactor = TwoFactor(context: req.engine)
        let code = (try? req.content.decode(SecurityController.CodeForm.self))?.code ?? ""
        do {
            switch action {
            case .twoFactorStart:
                _ = try await twoFactor.begin(realm: .staff, principalID: staff.staffID, label: staff.email)
                return req.redirect(to: SiteURL.staff(.security).path)
            case .twoFactorConfirm:
                let codes = try await twoFactor.confirm(realm: .staff, principalID: staff.staffID, code: code, ip: req.clientIP)
                return try await render(req, try await view(req, recoveryCodes: codes))
            case .recoveryCodes:
                let codes = try await twoFactor.regenerateRecoveryCodes(
                    realm: .staff, principalID: staff.staffID, code: code, ip: req.clientIP)
                return try await render(req, try await view(req, recoveryCodes: codes))
            case .twoFactorDisable:
                // Where the provider requires it, nobody turns it off (an administrator may reset it).
                guard try await !StaffAccounts(context: req.engine).twoFactorRequired() else { throw PlainRefusal.forbidden }
                try await twoFactor.disable(realm: .staff, principalID: staff.staffID, code: code, ip: req.clientIP)
                return req.redirect(to: SiteURL.staff(.security).notice("two_factor_off"))
            case .endOtherSessions:
                throw PageError.notFound
            }
        } catch let error as TwoFactorError {
            return try await render(req, try await view(req), error: error)
        }
    }
}
