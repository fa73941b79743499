import BillingDomain
import BillingEngine
import Provisioning
import Vapor

/// The staff area: client list with search, client card, manual balance adjustment (ADM-1).
struct StaffAreaController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        // Each address carries its right from the table (`StaffURL.access`).
        routes.get(SiteURL.staff(.clients), use: clientList)
        routes.get(SiteURL.staff(.client(.key)), use: clientCard)
        routes.post(SiteURL.staff(.clientAdjust(.key)), use: adjust)
        routes.post(SiteURL.staff(.clientCodeWord(.key)), use: checkCodeWord)
        routes.get(SiteURL.staff(.service(.key)), use: service)
        routes.get(SiteURL.staff(.services), use: services)
        for action in StaffServiceAction.allCases {
            routes.post(SiteURL.staff(.serviceAction(.key, action))) { req in try await serviceAction(req: req, action: action) }
        }
        routes.get(SiteURL.staff(.members), use: members)
        routes.post(SiteURL.staff(.memberNew), use: addMember)
        routes.post(SiteURL.staff(.member(.key)), use: changeMember)
        routes.post(SiteURL.staff(.memberResetTwoFactor(.key)), use: resetMemberTwoFactor)
        routes.post(SiteURL.staff(.staffSettings), use: saveStaffSettings)
        for role in StaffRole.allCases {
            routes.post(SiteURL.staff(.staffRole(role))) { req in try await saveRole(role, req: req) }
        }
        routes.get(SiteURL.staff(.audit), use: audit)
        routes.get(SiteURL.staff(.privacy), use: privacy)
        routes.post(SiteURL.staff(.privacyHandle(.key)), use: handlePrivacy)
    }

    /// The staff list and what each role may do.
    func members(req: Request) async throws -> Response {
        try await membersPage(req)
    }

    private func membersPage(
        _ req: Request, newMember: StaffMemberPages.NewMember = .init(), error: (any Refusal)? = nil
    ) async throws -> Response {
        let staff = StaffAccounts(context: req.engine)
        let members = try await staff.list(caller: try req.staff.caller)
        let page = PageContext(req)
        return StaffMemberPages.list(
            page, members: members, twoFactorRequired: try await staff.twoFactorRequired(),
            roles: try await StaffRoles(context: req.engine).all(), newMember: newMember, error: error.map(page.message)
        ).response(status: error.map { HTTPStatus($0.status) } ?? .ok)
    }

    /// A role's rights from its checkboxes (`right.<permission>`), or its built-in set again.
    func saveRole(_ role: StaffRole, req: Request) async throws -> Response {
        let fields = try req.content.decode([String: String].self)
        let permissions =
            fields["reset"] != nil ? nil : Set(StaffPermission.allCases.filter { fields["right." + $0.rawValue] != nil })
        do {
            try await StaffRoles(context: req.engine).set(role, permissions: permissions, caller: try req.staff.caller)
            return req.redirect(to: SiteURL.staff(.members).notice("role_saved"))
        } catch let error as StaffRoleError {
            return try await membersPage(req, error: error)
        }
    }

    struct NewMemberForm: Content {
        var email: String?
        var name: String?
        var role: String?
        var password: String?
    }

    func addMember(req: Request) async throws -> Response {
        let form = try req.content.decode(NewMemberForm.self)
        let role = StaffRole(rawValue: form.role ?? "") ?? .support
        do {
            // No password: the member is invited by e-mail and chooses theirs.
            if (form.password ?? "").isEmpty {
                try await StaffInvitations(context: req.engine).invite(
                    email: form.email ?? "", name: form.name ?? "", role: role, caller: try req.staff.caller)
                return req.redirect(to: SiteURL.staff(.members).notice("member_invited"))
            }
            try await StaffAccounts(context: req.engine).add(
                email: form.email ?? "", name: form.name ?? "", password: form.password, role: role, caller: try req.staff.caller)
            return req.redirect(to: SiteURL.staff(.members).notice("member_added"))
        } catch let error as StaffAccountError {
            return try await membersPage(req, newMember: .init(email: form.email ?? "", name: form.name ?? "", role: role), error: error)
        }
    }

    struct MemberForm: Content {
        var role: String?
        var enabled: String?
    }

    func changeMember(req: Request) async throws -> Response {
        let form = try req.content.decode(MemberForm.self)
        guard let role = StaffRole(rawValue: form.role ?? "") else { throw PlainRefusal.badRequest }
        do {
            try await StaffAccounts(context: req.engine).change(
                try req.parameters.require("staffID", as: UUID.self), role: role, enabled: form.enabled != nil, caller: try req.staff.caller
            )
            return req.redirect(to: SiteURL.staff(.members).notice("member_saved"))
        } catch let error as StaffAccountError {
            return try await membersPage(req, error: error)
        }
    }

    func privacy(req: Request) async throws -> Response {
        let requests = try await PersonalData(context: req.engine).queue(caller: try req.staff.caller)
        return AuditPages.privacy(PageContext(req), requests: requests).response()
    }

    struct HandleForm: Content {
        var status: String?
        var answer: String?
    }

    func handlePrivacy(req: Request) async throws -> Response {
        let form = try req.content.decode(HandleForm.self)
        guard let status = PrivacyRequestStatus(rawValue: form.status ?? ""), status != .open else { throw PlainRefusal.badRequest }
        try await PersonalData(context: req.engine).handle(
            try req.parameters.require("requestID", as: UUID.self), status: status, answer: form.answer ?? "", caller: try req.staff.caller)
        return req.redirect(to: SiteURL.staff(.privacy).notice("privacy_handled"))
    }

    func audit(req: Request) async throws -> Response {
        let query = String((req.query[String.self, at: "q"] ?? "").prefix(100))
        let events = try await AuditLog(context: req.engine).search(
            query, page: PageRequest.web(req.query[String.self, at: "page"]), caller: try req.staff.caller)
        return AuditPages.list(PageContext(req), query: query, events: events).response()
    }

    func resetMemberTwoFactor(req: Request) async throws -> Response {
        try await StaffAccounts(context: req.engine).resetTwoFactor(
            try req.parameters.require("staffID", as: UUID.self), caller: try req.staff.caller)
        return req.redirect(to: SiteURL.staff(.members).notice("member_two_factor_reset"))
    }

    struct StaffSettingsForm: Content {
        var twoFactorRequired: String?
        enum CodingKeys: String, CodingKey { case twoFactorRequired = "two_factor_required" }
    }

    func saveStaffSettings(req: Request) async throws -> Response {
        let form = try req.content.decode(StaffSettingsForm.self)
        let staff = try req.staff
        let required = form.twoFactorRequired != nil
        // Requiring it from a member who has none would send them to enrol at once: say so.
        try await StaffAccounts(context: req.engine).setTwoFactorRequired(required, caller: staff.caller)
        return req.redirect(to: SiteURL.staff(.members).notice(required ? "two_factor_now_required" : "staff_settings_saved"))
    }

    /// A service as staff see it: parameters, history with the modules' errors, and its jobs.
    func service(req: Request) async throws -> Response {
        guard let id = req.parameters.get("serviceID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        return try await renderService(req, id: id, error: nil)
    }

    /// Every client's services, filtered by type, status, module and a search.
    func services(req: Request) async throws -> Response {
        let engine = req.engine
        let filter = ServiceLifecycle.ListFilter(
            type: req.query[String.self, at: "type"].flatMap(ProductType.init(rawValue:)),
            status: req.query[String.self, at: "status"].flatMap(ServiceStatus.init(rawValue:)),
            search: String((req.query[String.self, at: "q"] ?? "").prefix(100)),
            module: req.query[String.self, at: "module"].flatMap { engine.modules.names.contains($0) ? $0 : nil })
        let services = try await ServiceLifecycle(context: engine).listForStaff(
            filter: filter, page: PageRequest.web(req.query[String.self, at: "page"]), caller: try req.staff.caller)
        let clients = try await ClientDirectory(context: engine).names(of: Set(services.items.map(\.accountID)))
        return StaffServicePages.list(PageContext(req), filter: filter, services: services, clients: clients, modules: engine.modules.names)
            .response()
    }

    private func renderService(_ req: Request, id: UUID, error: String?) async throws -> Response {
        guard let service = try await ServiceLifecycle(context: req.engine).serviceForStaff(id) else { throw PageError.notFound }
        let history = try await ServiceLifecycle(context: req.engine).history(serviceID: id)
        let jobs = try await JobQueue(context: req.engine).list(serviceID: id)
        let choices = try await ServiceLifecycle(context: req.engine).staffChoices(for: service)
        let page = PageContext(req)
        return StaffServicePages.show(
            page, service: service, choices: choices, history: history, jobs: jobs, managesJobs: page.may(.staff(.jobs)), error: error
        ).response(status: error == nil ? .ok : .unprocessableEntity)
    }

    /// Stops a service by administrator or for abuse, starts it again, or runs a module
    /// operation (reboot, reinstall, delete), with the reason for its history; a refusal (the
    /// service is not in a state that allows it, an unknown system) shows on the page.
    func serviceAction(req: Request, action: StaffServiceAction) async throws -> Response {
        guard let id = req.parameters.get("serviceID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        let fields = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            try await ServiceLifecycle(context: req.engine).staffAction(
                action, serviceID: id, reason: fields["reason"] ?? "", osImage: fields["os"] ?? "", caller: try req.staff.caller)
        } catch ServiceActionError.notFound {
            throw PageError.notFound
        } catch let refusal as ServiceActionError {
            return try await renderService(req, id: id, error: PageContext(req).message(refusal))
        }
        return req.redirect(to: SiteURL.staff(.service(.value(id))).notice("staff_service_" + action.rawValue))
    }

    func clientList(req: Request) async throws -> Response {
        let query = req.query[String.self, at: "q"] ?? ""
        let results = try await ClientDirectory(context: req.engine)
            .search(String(query.prefix(100)), page: PageRequest.web(req.query[String.self, at: "page"]))
        return StaffPages.clientList(PageContext(req), query: query, results: results).response()
    }

    private func account(_ req: Request) async throws -> AccountSummary {
        guard let id = req.parameters.get("accountID").flatMap(UUID.init(uuidString:)),
            let summary = try await AccountSummary.load(accountID: id, context: req.engine)
        else { throw PageError.notFound }
        return summary
    }

    func clientCard(req: Request) async throws -> Response {
        return try await renderCard(req, summary: try await account(req), error: nil, amount: "", reason: "", status: .ok)
    }

    private func renderCard(
        _ req: Request, summary: AccountSummary, error: String?, amount: String, reason: String,
        status: HTTPStatus
    ) async throws -> Response {
        let accountID = summary.account.id
        let users = try await ClientDirectory(context: req.engine).users(of: accountID)
        let movements = try await req.engine.ledger.movements(of: accountID, page: PageRequest.web(req.query[String.self, at: "page"]))
        let page = PageContext(req)
        let services =
            page.may(.staff(.service(.key)))
            ? try await ServiceLifecycle(context: req.engine).list(
                of: summary.account, filter: .init(), page: PageRequest.web(nil), caller: try req.staff.caller
            ).items : nil
        // Orders and invoices for whoever may see payments (accountants, administrators).
        var orders: [Order]?
        var payments: [Payment]?
        if page.may(.staff(.payments)) {
            orders = try await Orders(context: req.engine).latest(of: summary.account, limit: 10, caller: try req.staff.caller)
            payments = try await PaymentFlow(context: req.engine).list(
                of: summary.account, filter: .all, page: PageRequest(number: 1), caller: try req.staff.caller
            )
            .items
        }
        let card = StaffPages.ClientCard(
            summary: summary, users: users, services: services, orders: orders, payments: payments, movements: movements,
            adjustmentKey: UUID().uuidString.lowercased(), error: error, amountText: amount, reasonText: reason)
        return StaffPages.clientCard(page, card: card).response(status: status)
    }

    struct AdjustForm: Content {
        var amount: String?
        var reason: String?
        var key: String?
    }

    func adjust(req: Request) async throws -> Response {
        let staff = try req.staff
        let summary = try await account(req)
        let form = try req.content.decode(AdjustForm.self)
        let page = PageContext(req)
        let amountText = form.amount ?? ""
        let reason = form.reason ?? ""
        func refuse(_ message: String) async throws -> Response {
            try await renderCard(req, summary: summary, error: message, amount: amountText, reason: reason, status: .unprocessableEntity)
        }
        let amount: Money
        do {
            amount = try page.amount(amountText, summary.currency, positive: false)
        } catch {
            return try await refuse(page.message(error))
        }
        guard let key = form.key, !key.isEmpty, key.count <= 64 else { return try await refuse(page.t("error.bad_request")) }
        do {
            try await BalanceAdjustments(context: req.engine).adjust(
                accountID: summary.account.id, amount: amount, reason: reason, caller: staff.caller, idempotencyKey: key)
        } catch let error as AdjustmentError {
            return try await refuse(page.message(error))
        }
        return req.redirect(to: SiteURL.staff(.client(.value(summary.account.id))).notice("adjusted"))
    }

    struct CodeWordForm: Content { var word: String? }

    /// Support checks the code word a caller gave: the card then says whether it matches.
    func checkCodeWord(req: Request) async throws -> Response {
        let id = try req.parameters.require("accountID", as: UUID.self)
        let given = try req.content.decode(CodeWordForm.self).word ?? ""
        let card = SiteURL.staff(.client(.value(id)))
        do {
            let matches = try await AccountSecurity(context: req.engine).checkCodeWord(
                given, accountID: id, caller: try req.staff.caller, ip: req.clientIP)
            let notice = matches.map { $0 ? "code_word_matches" : "code_word_differs" } ?? "code_word_none"
            return req.redirect(to: card.notice(notice))
        } catch AccountSecurityError.codeWordThrottled {
            return req.redirect(to: card.notice("code_word_throttled"))
        }
    }
}
