import BillingDomain
import BillingEngine
import Vapor

/// Records every staff form that changed something (a POST the handler answered without a
/// refusal) in the audit log: who, from which address, which form, on what, with its values
/// (never a password, code, token or code word). Behind the staff session, so the member is known.
struct StaffAuditMiddleware: AsyncMiddleware {
    /// Form fields that are never written down.
    static let secretFields: Set<String> = ["password", "code", "word", "token", "_csrf", "_once", "current"]

    /// Whether a field is left out: one of `secretFields`, or any name that says it holds a
    /// secret (`bmc_password`, `api_secret`, `access_token`), whatever form adds it later.
    static func isSecret(_ field: String) -> Bool {
        let name = field.lowercased()
        return secretFields.contains(name) || ["password", "secret", "token", "passphrase"].contains { name.contains($0) }
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        guard request.method == .POST, response.status.code < 400, let staff = request.staffIdentity, let route = request.route,
            let url = SiteURL.staffURL(matching: route), let action = url.auditAction
        else { return response }
        let parameters = route.path.compactMap { component -> String? in
            guard case .parameter(let name) = component, let value = request.parameters.get(name) else { return nil }
            return name + "=" + value
        }
        let fields = (try? request.content.decode([String: String].self)) ?? [:]
        let details = fields.filter { !Self.isSecret($0.key) }.sorted { $0.key < $1.key }
            .map { $0.key + "=" + String($0.value.prefix(200)) }.joined(separator: " ")
        try await AuditLog(context: request.engine).record(
            staffID: staff.staffID, staffName: staff.name, ip: request.clientIP, action: action,
            target: parameters.isEmpty ? nil : parameters.joined(separator: " "), details: details)
        return response
    }
}

extension SiteURL {
    /// The staff address a registered route answers (its path with `:parameters`).
    static func staffURL(matching route: Route) -> StaffURL? {
        let path = "/" + route.path.map(\.description).joined(separator: "/")
        for url in every {
            if case .staff(let staff) = url, url.path == path { return staff }
        }
        return nil
    }
}

extension StaffURL {
    /// The audit log's name of the form at this address (`audit.action.<name>` in the texts);
    /// `nil` for what changes nothing the log keeps (logging in and out, pages).
    var auditAction: String? {
        switch self {
        case .login, .loginLink, .logout, .loginCode, .invitation, .clients, .client, .service, .services, .billing, .payments, .payment,
            .outbox,
            .jobs,
            .members, .audit, .privacy, .sms:
            nil
        case .privacyHandle: "privacy_handle"
        case .privacyPolicy: "privacy_policy_publish"
        case .staffRole: "staff_role"
        case .servers: "server_add"
        case .serviceAction(_, let action): "service_" + action.rawValue
        case .serverRemove: "server_remove"
        case .server: "server_edit"
        case .clientAdjust: "client_adjust"
        case .clientCodeWord: "client_code_word"
        case .catalog: "catalog"
        case .plan: "plan"
        case .planPrices: "plan_prices"
        case .planAddons: "plan_addons"
        case .billingSettings: "billing_settings"
        case .billingRates: "billing_rates"
        case .billingPromos: "billing_promos"
        case .billingRun: "billing_run"
        case .billingSeller: "billing_seller"
        case .paymentConfirm: "payment_confirm"
        case .paymentRefund: "payment_refund"
        case .paymentMethods: "payment_methods"
        case .outboxRetry: "outbox_retry"
        case .jobRetry: "job_retry"
        case .jobCancel: "job_cancel"
        case .memberNew: "member_new"
        case .member: "member"
        case .memberResetTwoFactor: "member_reset_two_factor"
        case .staffSettings: "staff_settings"
        case .security, .securityAction: "own_two_factor"
        }
    }
}
