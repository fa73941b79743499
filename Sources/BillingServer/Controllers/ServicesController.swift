import BillingDomain
import BillingEngine
import Provisioning
import Vapor

/// Services (SVC-1, SVC-2): lists per product type, the service page with its history and
/// actions, and the expense history (FIN-5) with CSV export.
struct ServicesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.services, use: list)
        routes.get(SiteURL.service(.key), use: show)
        routes.post(SiteURL.serviceAction(.key, .stop), use: stop)
        routes.post(SiteURL.serviceAction(.key, .start), use: start)
        routes.post(SiteURL.serviceAction(.key, .reboot), use: reboot)
        routes.post(SiteURL.serviceAction(.key, .reinstall), use: reinstall)
        routes.post(SiteURL.serviceAction(.key, .configure), use: configure)
        routes.get(SiteURL.serviceNetwork(.key), use: network)
        routes.get(SiteURL.serviceTraffic(.key), use: traffic)
        routes.post(SiteURL.serviceAction(.key, .rdns), use: setReverseDNS)
        routes.get(SiteURL.serviceConsole(.key), use: console)
        routes.post(SiteURL.serviceAction(.key, .console), use: openConsole)
        routes.post(SiteURL.serviceAction(.key, .login), use: showLogin)
        routes.post(SiteURL.serviceAction(.key, .delete), use: delete)
        routes.post(SiteURL.serviceAction(.key, .autorenew), use: autoRenew)
        routes.post(SiteURL.serviceAction(.key, .period), use: period)
        routes.post(SiteURL.serviceAction(.key, .extend), use: extend)
        routes.post(SiteURL.serviceAction(.key, .resources), use: resources)
        routes.get(SiteURL.expenses, use: expenses)
        routes.get(SiteURL.expensesCSV, use: expensesCSV)
        routes.post(SiteURL.changeCurrency, use: changeCurrency)
    }

    func list(req: Request) async throws -> Response {
        let type = req.query[String.self, at: "type"].flatMap(ProductType.init(rawValue:))
        let status = req.query[String.self, at: "status"].flatMap(ServiceStatus.init(rawValue:))
        let search = String((req.query[String.self, at: "q"] ?? "").prefix(100))
        let filter = ServiceLifecycle.ListFilter(type: type, status: status, search: search)
        let services = try await ServiceLifecycle(context: req.engine).list(
            caller: try req.client.caller, filter: filter,
            page: PageRequest.web(req.query[String.self, at: "page"]))
        let settings = try await BillingSettings.load(context: req.engine)
        return ServicePages.list(
            try await PageContext.client(req), filter: filter, services: services,
            taxRate: VATTable.rate(forCountry: try req.client.country), taxMode: settings.taxMode
        ).response()
    }

    private func service(_ req: Request) async throws -> Service {
        guard let id = req.parameters.get("serviceID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        do { return try await ServiceLifecycle(context: req.engine).service(id, caller: try req.client.caller) } catch {
            throw PageError.notFound
        }
    }

    func show(req: Request) async throws -> Response {
        try await render(req, service: try await service(req), error: nil, change: nil, status: .ok)
    }

    private func render(
        _ req: Request, service: Service, error: String?, change: ServiceLifecycle.ChangeQuote?,
        status: HTTPStatus, revealed: ServerLogin? = nil
    ) async throws -> Response {
        let caller = try req.client.caller
        let loginUser = try await ServiceLogin(context: req.engine).user(serviceID: service.id, caller: caller)
        let history = try await ServiceLifecycle(context: req.engine).history(serviceID: service.id)
        let offer = try await Catalog(context: req.engine).offer(planID: service.planID, currency: service.currency)
        let settings = try await BillingSettings.load(context: req.engine)
        let response = ServicePages.detail(
            try await PageContext.client(req), service: service, offer: offer, history: history, error: error,
            change: change, taxRate: VATTable.rate(forCountry: try req.client.country),
            taxMode: settings.taxMode, formKey: UUID().uuidString.lowercased(),
            allowed: try await ServiceLifecycle(context: req.engine).actions(for: service, caller: try req.client.caller),
            waitingRenewal: try await Orders(context: req.engine).waitingRenewal(serviceID: service.id, caller: try req.client.caller),
            login: loginUser.map { ServicePages.Login(user: $0, password: revealed?.password) }
        ).response(status: status)
        // A password on the page: never kept by a cache or the browser's history.
        if revealed != nil { response.headers.replaceOrAdd(name: .cacheControl, value: "no-store") }
        return response
    }

    /// The server's login data with its password, on the Details tab.
    func showLogin(req: Request) async throws -> Response {
        let service = try await service(req)
        do {
            let login = try await ServiceLogin(context: req.engine).reveal(serviceID: service.id, caller: try req.client.caller)
            return try await render(req, service: service, error: nil, change: nil, status: .ok, revealed: login)
        } catch let error as ServiceActionError {
            return try await render(
                req, service: service, error: PageContext(req).message(error), change: nil, status: .unprocessableEntity)
        }
    }

    /// What an action handler gets: the client's service (another account's is not found), the
    /// account, the use cases and the form's fields.
    private struct Action {
        let service: Service
        /// Who acts, with their rights: the use cases check them again.
        let caller: Caller
        let lifecycle: ServiceLifecycle
        let form: [String: String]
        var id: UUID { service.id }
    }

    /// Runs one action; a refusal is shown on the service page (nothing changed), success goes
    /// where the action says, usually the service page with the action's own confirmation.
    private func perform(_ req: Request, _ body: (Action) async throws -> Response) async throws -> Response {
        let service = try await service(req)
        let action = Action(
            service: service, caller: try req.client.caller,
            lifecycle: ServiceLifecycle(context: req.engine),
            form: (try? req.content.decode([String: String].self)) ?? [:])
        do {
            return try await body(action)
        } catch let error as ServiceActionError {
            let page = PageContext(req)
            let fresh = (try? await ServiceLifecycle(context: req.engine).service(service.id, caller: action.caller)) ?? service
            return try await render(req, service: fresh, error: page.message(error), change: nil, status: .unprocessableEntity)
        } catch let error as OrderError {
            let page = PageContext(req)
            return try await render(req, service: service, error: page.message(error), change: nil, status: .unprocessableEntity)
        }
    }

    private func done(_ req: Request, _ action: Action, notice: String) -> Response {
        req.redirect(to: SiteURL.service(.value(action.id)).notice(notice))
    }

    func stop(req: Request) async throws -> Response {
        try await perform(req) { action in
            try await action.lifecycle.stop(serviceID: action.id, caller: action.caller)
            return done(req, action, notice: "service_stopped")
        }
    }

    func start(req: Request) async throws -> Response {
        try await perform(req) { action in
            try await action.lifecycle.start(serviceID: action.id, caller: action.caller)
            return done(req, action, notice: "service_started")
        }
    }

    func reinstall(req: Request) async throws -> Response {
        try await perform(req) { action in
            try await action.lifecycle.reinstall(serviceID: action.id, osImage: action.form["os"] ?? "", caller: action.caller)
            return done(req, action, notice: "service_reinstalling")
        }
    }

    /// A quick order's server gets its name and system, and opens (CAT-4).
    func configure(req: Request) async throws -> Response {
        try await perform(req) { action in
            try await action.lifecycle.configure(
                serviceID: action.id, domainName: action.form["domain"] ?? "", osImage: action.form["os"] ?? "", caller: action.caller)
            return done(req, action, notice: "service_configured")
        }
    }

    func reboot(req: Request) async throws -> Response {
        try await perform(req) { action in
            let hard = action.form["mode"] == "hard"
            try await action.lifecycle.reboot(serviceID: action.id, hard: hard, caller: action.caller)
            return done(req, action, notice: hard ? "service_resetting" : "service_rebooting")
        }
    }

    /// The Traffic tab: a span's chart (the last 24 hours unless asked otherwise).
    func traffic(req: Request) async throws -> Response {
        let service = try await service(req)
        let span = req.query[String.self, at: "span"].flatMap(ServiceTraffic.Span.init(rawValue:)) ?? .day
        let chart = try await ServiceTraffic(context: req.engine).chart(serviceID: service.id, span: span, caller: try req.client.caller)
        return TrafficPages.page(try await PageContext.client(req), service: service, chart: chart).response()
    }

    /// The Network tab: the server's addresses and the reverse DNS of each.
    func network(req: Request) async throws -> Response {
        try await renderNetwork(req, service: try await service(req), error: nil, status: .ok)
    }

    private func renderNetwork(_ req: Request, service: Service, error: String?, status: HTTPStatus, typed: [String: String] = [:])
        async throws -> Response
    {
        let caller = try req.client.caller
        let overview = try await ServiceNetwork(context: req.engine).overview(serviceID: service.id, caller: caller)
        return ServicePages.network(
            try await PageContext.client(req), service: service, overview: overview,
            allowed: try await ServiceLifecycle(context: req.engine).actions(for: service, caller: caller), error: error, typed: typed
        ).response(status: status)
    }

    /// The IP-KVM tab: how to reach the console; opening it is a form.
    func console(req: Request) async throws -> Response {
        try await renderConsole(req, service: try await service(req), opened: nil, error: nil, status: .ok)
    }

    private func renderConsole(
        _ req: Request, service: Service, opened: ServiceConsole.Opened?, error: String?, status: HTTPStatus
    ) async throws -> Response {
        let caller = try req.client.caller
        let overview = try await ServiceConsole(context: req.engine).overview(serviceID: service.id, caller: caller)
        let response = ServicePages.console(
            try await PageContext.client(req), service: service, overview: overview, mayOpen: caller.may(ClientServiceAction.console.right),
            opened: opened, error: error
        ).response(status: status)
        // A password on the page: never kept by a cache or the browser's history.
        if opened != nil { response.headers.replaceOrAdd(name: .cacheControl, value: "no-store") }
        return response
    }

    /// Opens the console: the page that answers shows the password, once.
    func openConsole(req: Request) async throws -> Response {
        let service = try await service(req)
        do {
            let opened = try await ServiceConsole(context: req.engine).open(serviceID: service.id, caller: try req.client.caller)
            return try await renderConsole(req, service: service, opened: opened, error: nil, status: .ok)
        } catch let error as ServiceActionError {
            return try await renderConsole(
                req, service: service, opened: nil, error: PageContext(req).message(error), status: .unprocessableEntity)
        }
    }

    /// One address's reverse DNS; a bad name is shown on the tab with what was typed, and
    /// nothing changes.
    func setReverseDNS(req: Request) async throws -> Response {
        let service = try await service(req)
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        let address = form["address"] ?? ""
        let name = String((form["name"] ?? "").prefix(300))
        do {
            try await ServiceNetwork(context: req.engine).setReverse(
                serviceID: service.id, address: address, name: name, caller: try req.client.caller)
        } catch let error as ServiceActionError {
            return try await renderNetwork(
                req, service: service, error: PageContext(req).message(error), status: .unprocessableEntity, typed: [address: name])
        }
        return req.redirect(to: SiteURL.serviceNetwork(.value(service.id)).notice("rdns_saved"))
    }

    func delete(req: Request) async throws -> Response {
        try await perform(req) { action in
            try await action.lifecycle.delete(serviceID: action.id, caller: action.caller)
            return req.redirect(to: SiteURL.services.notice("service_deleted"))
        }
    }

    func autoRenew(req: Request) async throws -> Response {
        try await perform(req) { action in
            let enabled = action.form["enabled"] == "on"
            try await action.lifecycle.setAutoRenew(serviceID: action.id, enabled: enabled, caller: action.caller)
            return done(req, action, notice: enabled ? "autorenew_on" : "autorenew_off")
        }
    }

    func period(req: Request) async throws -> Response {
        try await perform(req) { action in
            guard let period = action.form["period"].flatMap(BillingPeriod.init(rawValue:)) else {
                throw ServiceActionError.order(.periodNotOffered)
            }
            try await action.lifecycle.changePeriod(serviceID: action.id, to: period, caller: action.caller)
            return done(req, action, notice: "period_changed_" + period.rawValue)
        }
    }

    func extend(req: Request) async throws -> Response {
        try await perform(req) { action in
            // The renewal that waits (a new one, or the one asked for before): its order page.
            let order = try await Orders(context: req.engine).requestRenewal(serviceID: action.id, caller: action.caller)
            return req.redirect(to: SiteURL.order(.value(order.id)).notice("renewal_requested"))
        }
    }

    /// More (or fewer) resources: first a quote on the page, then, confirmed, the prorated charge.
    func resources(req: Request) async throws -> Response {
        try await perform(req) { action in
            var addons: [UUID: Int] = [:]
            for (key, value) in action.form where key.hasPrefix("addon.") {
                guard let addon = UUID(uuidString: String(key.dropFirst(6))) else { throw ServiceActionError.order(.addonNotInPlan) }
                guard let amount = Int(value.trimmingCharacters(in: .whitespaces)) else {
                    throw ServiceActionError.order(.amountNotWhole)
                }
                addons[addon] = amount
            }
            if action.form["confirm"] != "yes" {
                let change = try await action.lifecycle.quoteChange(serviceID: action.id, addons: addons, caller: action.caller)
                return try await render(req, service: action.service, error: nil, change: change, status: .ok)
            }
            guard let key = action.form["key"], !key.isEmpty, key.count <= 64 else { throw ServiceActionError.notFound }
            try await action.lifecycle.changeResources(
                serviceID: action.id, addons: addons, caller: action.caller, requestKey: key)
            return done(req, action, notice: "resources_changed")
        }
    }

    private func expenseFilter(_ req: Request) -> ExpenseHistory.Filter {
        ExpenseHistory.Filter(
            from: req.query[String.self, at: "from"].flatMap(LocalDate.init(iso:)),
            to: req.query[String.self, at: "to"].flatMap(LocalDate.init(iso:)),
            serviceID: req.query[String.self, at: "service"].flatMap(UUID.init(uuidString:)),
            search: String((req.query[String.self, at: "q"] ?? "").prefix(100)))
    }

    func expenses(req: Request) async throws -> Response {
        let filter = expenseFilter(req)
        let (page, totals) = try await ExpenseHistory(context: req.engine).page(
            caller: try req.client.caller, filter: filter,
            page: PageRequest.web(req.query[String.self, at: "page"]))
        return ServicePages.expenses(try await PageContext.client(req), filter: filter, expenses: page, totals: totals).response()
    }

    func expensesCSV(req: Request) async throws -> Response {
        let csv = try await ExpenseHistory(context: req.engine).csv(caller: try req.client.caller, filter: expenseFilter(req))
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"expenses.csv\"")
        return Response(status: .ok, headers: headers, body: .init(string: csv))
    }

    func changeCurrency(req: Request) async throws -> Response {
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        guard let currency = form["currency"].flatMap(Currency.named), let key = form["key"], !key.isEmpty, key.count <= 64 else {
            return req.redirect(to: SiteURL.balanceHistory.path)
        }
        do {
            try await Currencies(context: req.engine).changeAccountCurrency(
                caller: try req.client.caller, to: currency, requestKey: key)
        } catch let error as CurrencyError {
            let page = try await PageContext.client(req)
            let message = page.message(error)
            let movements = try await req.engine.ledger.movements(of: try req.client.accountID, page: PageRequest(number: 1))
            return ClientPages.balanceHistory(page, movements: movements, error: message).response(status: .unprocessableEntity)
        }
        // The newcomer's first steps on the dashboard send the form from there.
        let back: SiteURL =
            switch form["back"] {
            case SiteURL.dashboard.path: .dashboard
            case SiteURL.settings.path: .settings
            default: .balanceHistory
            }
        return req.redirect(to: back.notice("currency_changed"))
    }
}
