import BillingDomain
import BillingEngine
import Vapor

/// The one table of who may use which address: every page and form action of the client and
/// staff areas, by method. A switch, so a new `SiteURL` does not compile until it is given its
/// right. Routes are registered through it (`RoutesBuilder.get(_:use:)` attaches `AccessGuard`),
/// the menus show only what it lets the reader open, and buttons ask `PageContext.may(_:)`.
/// The API's operations have their own half, `APIAccess`; `AccessTableTests` walks both.
extension SiteURL {
    func access(_ method: HTTPMethod) -> Access {
        switch self {
        case .root, .login, .loginLink, .logout, .signUp, .language, .signUpConfirm, .passwordForgot, .passwordReset, .payLink,
            .apiReference, .invitation, .loginCode, .privacyPolicy, .privacyPolicyVersion, .emailConfirm:
            .anyone
        // Each user's own login: every user protects it, whatever the account's rights.
        // (Those of the account's other users need the `security` right: the engine checks it.)
        case .dashboard, .security, .securityAction, .sessionEnd, .tokenRevoke, .profile, .profilePassword, .settings, .emails, .email,
            .emailDelete, .personalDataExport, .privacyRequest, .phone, .phoneAction, .avatar, .avatarDelete, .emailResend:
            .signedInClient
        case .orderCatalog, .orderPlan, .orderQuick, .cart, .cartPromo, .cartCheckout, .cartItemRemove, .orders, .order, .orderCancel:
            .client(.orderServices)
        case .orderPay: .client(.pay)
        case .services, .service, .serviceNetwork, .serviceTraffic, .serviceConsole: .client(.viewServices)
        case .serviceAction(_, let action): .client(action.right)
        case .payments, .payment, .balanceHistory, .expenses, .expensesCSV: .client(.viewFinance)
        case .newPayment, .paymentPay, .paymentDelete, .paymentResult, .paymentCancelled, .changeCurrency: .client(.pay)
        case .paymentInvoice: .client(.documents)
        case .savedMethods, .savedMethodDone, .savedMethodRename, .savedMethodDelete, .autopay: .client(.paymentMethods)
        case .autorenewal: method == .GET ? .client(.viewServices) : .client(.manageServices)
        case .accountUsers, .accountUserNew, .accountUser, .accountUserAction: .client(.users)
        case .allowedNetworks, .codeWord: .client(.security)
        case .staff(let url): url.access
        }
    }
}

extension ServiceAction {
    /// The engine's action behind the route; its right is the route's.
    var engineAction: ClientServiceAction {
        switch self {
        case .stop: .stop
        case .start: .start
        case .reboot: .reboot
        case .reinstall: .reinstall
        case .rdns: .reverseDNS
        case .console: .console
        case .login: .showLogin
        case .delete: .delete
        case .autorenew: .autoRenew
        case .period: .changePeriod
        case .extend: .extend
        case .resources: .changeResources
        case .configure: .configure
        }
    }

    var right: ClientRight { engineAction.right }
}

extension StaffURL {
    var access: Access {
        switch self {
        case .login, .loginLink, .logout, .loginCode, .invitation: .anyone
        // A member's own second factor: every member has it.
        case .security, .securityAction: .signedInStaff
        case .clients, .client, .clientCodeWord: .staff(.viewClients)
        case .clientAdjust: .staff(.adjustBalances)
        case .service, .services: .staff(.viewServices)
        case .serviceAction: .staff(.manageServices)
        case .catalog, .plan, .planPrices, .planAddons, .billing, .billingSettings, .billingRates, .billingPromos, .billingSeller:
            .staff(.manageCatalog)
        case .billingRun: .staff(.runBilling)
        case .payments, .payment, .paymentConfirm, .paymentRefund, .paymentMethods: .staff(.managePayments)
        // Support may send a failed message again (the queue's jobs stay with administrators).
        case .outbox, .outboxRetry, .sms: .staff(.viewOutbox)
        case .jobs, .jobRetry, .jobCancel: .staff(.manageJobs)
        case .servers, .server, .serverRemove: .staff(.manageServers)
        case .members, .memberNew, .member, .memberResetTwoFactor, .staffSettings, .audit, .privacy, .privacyHandle, .privacyPolicy,
            .staffRole:
            .staff(.manageStaff)
        }
    }
}

/// The API's half of the table: every operation of `openapi.yaml` by its method and path as the
/// spec writes it. `APIContextMiddleware` looks each request's route up here before the handler
/// runs; an operation missing here answers 403 to everyone (and fails `AccessTableTests`).
enum APIAccess {
    static let operations: [String: Access] = [
        "POST /v1/auth/tokens": .anyone,
        "GET /v1/me": .signedInClient,
        "PATCH /v1/me": .signedInClient,
        "GET /v1/ledger": .client(.viewFinance),
        "GET /v1/ledger/{transactionId}": .client(.viewFinance),
        "GET /v1/payment-methods": .client(.pay),
        "GET /v1/payments": .client(.viewFinance),
        "POST /v1/payments": .client(.pay),
        "GET /v1/payments/{paymentId}": .client(.viewFinance),
        "DELETE /v1/payments/{paymentId}": .client(.pay),
        "POST /v1/payments/{paymentId}/checkout": .client(.pay),
        "GET /v1/saved-methods": .client(.paymentMethods),
        "POST /v1/saved-methods": .client(.paymentMethods),
        "PATCH /v1/saved-methods/{savedMethodId}": .client(.paymentMethods),
        "DELETE /v1/saved-methods/{savedMethodId}": .client(.paymentMethods),
        "GET /v1/autorenewal": .client(.viewServices),
        "PUT /v1/autorenewal/{serviceId}": .client(.manageServices),
        "POST /v1/services/{serviceId}/power": .client(.manageServices),
        "POST /v1/services/{serviceId}/reinstall": .client(.manageServices),
        "POST /v1/services/{serviceId}/configuration": .client(.manageServices),
        "GET /v1/services/{serviceId}/network": .client(.viewServices),
        "PUT /v1/services/{serviceId}/network/reverse-dns": .client(.manageServices),
        "GET /v1/services/{serviceId}/console": .client(.viewServices),
        "POST /v1/services/{serviceId}/console": .client(.manageServices),
        "POST /v1/services/{serviceId}/login": .client(.manageServices),
        "GET /v1/services/{serviceId}/traffic": .client(.viewServices),
        "GET /v1/autopay": .client(.paymentMethods),
        "PUT /v1/autopay": .client(.paymentMethods),
        "GET /v1/users": .client(.users),
        "POST /v1/users": .client(.users),
        "GET /v1/users/{userId}": .client(.users),
        "PATCH /v1/users/{userId}": .client(.users),
        "DELETE /v1/users/{userId}": .client(.users),
        "POST /v1/users/{userId}/invitation": .client(.users),
        // Each user's own login and sessions; the account's others need the security right,
        // which the engine checks.
        "POST /v1/me/password": .signedInClient,
        "GET /v1/me/phone": .signedInClient,
        "PUT /v1/me/phone": .signedInClient,
        "DELETE /v1/me/phone": .signedInClient,
        "POST /v1/me/phone/confirmation": .signedInClient,
        "POST /v1/me/personal-data/export": .signedInClient,
        "GET /v1/me/privacy-requests": .signedInClient,
        "POST /v1/me/privacy-requests": .signedInClient,
        "GET /v1/me/emails": .signedInClient,
        "POST /v1/me/emails": .signedInClient,
        "PUT /v1/me/emails/{emailId}": .signedInClient,
        "DELETE /v1/me/emails/{emailId}": .signedInClient,
        "POST /v1/me/emails/{emailId}/confirmation": .signedInClient,
        "GET /v1/security/sessions": .signedInClient,
        "DELETE /v1/security/sessions/{sessionId}": .signedInClient,
        "GET /v1/security/tokens": .signedInClient,
        "DELETE /v1/security/tokens/{tokenId}": .signedInClient,
        "GET /v1/security/logins": .signedInClient,
        "GET /v1/security/two-factor": .signedInClient,
        "POST /v1/security/two-factor/enrolment": .signedInClient,
        "POST /v1/security/two-factor/confirmation": .signedInClient,
        "POST /v1/security/two-factor/disable": .signedInClient,
        "GET /v1/security/allowed-networks": .client(.security),
        "PUT /v1/security/allowed-networks": .client(.security),
        "PUT /v1/security/code-word": .client(.security),
        "POST /v1/staff/auth/tokens": .anyone,
        "GET /v1/staff/payments": .staff(.managePayments),
        "GET /v1/staff/payments/{paymentId}": .staff(.managePayments),
        "POST /v1/staff/payments/{paymentId}/confirm": .staff(.managePayments),
        "POST /v1/staff/payments/{paymentId}/refunds": .staff(.managePayments),
        "GET /v1/staff/jobs": .staff(.manageJobs),
        "POST /v1/staff/jobs/{jobId}/retry": .staff(.manageJobs),
        "POST /v1/staff/jobs/{jobId}/cancel": .staff(.manageJobs),
        "GET /v1/staff/services": .staff(.viewServices),
        "GET /v1/staff/services/{serviceId}": .staff(.viewServices),
        "POST /v1/staff/services/{serviceId}/actions": .staff(.manageServices)
    ]

    /// The table's key for a registered route: `GET /v1/payments/{paymentId}` for the route
    /// `GET /api/v1/payments/:paymentId`.
    static func key(_ route: Route) -> String {
        let parts = route.path.dropFirst().map { component -> String in
            if case .parameter(let name) = component { return "{" + name + "}" }
            return component.description
        }
        return route.method.rawValue + " /" + parts.joined(separator: "/")
    }
}

extension Request {
    /// Who calls: the signed-in client user, the member of staff, or nobody.
    var caller: Caller? { clientIdentity?.caller ?? staffIdentity?.caller }
}

/// Lets a request through only if its caller passes the address's entry in the table. Not signed
/// in where the table wants someone is the session middleware's business (it sends the browser
/// to the login page first); a signed-in caller without the right gets 403 and none of the page.
struct AccessGuard: AsyncMiddleware {
    let access: Access

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        switch access {
        case .anyone: break
        case .signedInClient, .client: _ = try request.client
        case .signedInStaff, .staff: _ = try request.staff
        }
        guard access.admits(request.caller) else { throw PageError.forbidden }
        return try await next.respond(to: request)
    }
}
