import BillingDomain
import BillingEngine
import Vapor

/// Services (SVC-1, SVC-2): lists per product type, the service page with its history and
/// actions, and the expense history (FIN-5) with CSV export.
struct ServicesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.services, use: list)
        routes.get(SiteURL.service(.key), use: show)
        routes.post(SiteURL.serviceAction(.key, .key), use: act)
        routes.get(SiteURL.expenses, use: expenses)
        routes.get(SiteURL.expensesCSV, use: expensesCSV)
        routes.post(SiteURL.changeCurrency, use: changeCurrency)
    }

    func list(req: Request) async throws -> Response {
        let account = try req.client.account
        let type = req.query[String.self, at: "type"].flatMap(ProductType.init(rawValue:))
        let status = req.query[String.self, at: "status"].flatMap(ServiceStatus.init(rawValue:))
        let search = String((req.query[String.self, at: "q"] ?? "").prefix(100))
        let filter = ServiceLifecycle.ListFilter(type: type, status: status, search: search)
        let services = try await ServiceLifecycle(context: req.engine).list(
            account: account, filter: filter,
            page: PageRequest.web(req.query[String.self, at: "page"]))
        let settings = try await BillingSettings.load(context: req.engine)
        return ServicePages.list(
            try await PageContext.client(req), filter: filter, services: services,
            taxRate: VATTable.rate(forCountry: try req.client.country), taxMode: settings.taxMode
        ).response()
    }

    private func service(_ req: Request) async throws -> Service {
        guard let id = req.parameters.get("serviceID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        do { return try await ServiceLifecycle(context: req.engine).service(id, account: try req.client.account) } catch {
            throw PageError.notFound
        }
    }

    func show(req: Request) async throws -> Response {
        try await render(req, service: try await service(req), error: nil, change: nil, status: .ok)
    }

    private func render(
        _ req: Request, service: Service, error: String?, change: ServiceLifecycle.ChangeQuote?,
        status: HTTPStatus
    ) async throws -> Response {
        let history = try await ServiceLifecycle(context: req.engine).history(serviceID: service.id)
        let offer = try await Catalog(context: req.engine).offer(planID: service.planID, currency: service.currency)
        let settings = try await BillingSettings.load(context: req.engine)
        return ServicePages.detail(
            try await PageContext.client(req), service: service, offer: offer, history: history, error: error,
            change: change, taxRate: VATTable.rate(forCountry: try req.client.country),
            taxMode: settings.taxMode, formKey: UUID().uuidString.lowercased()
        ).response(status: status)
    }

    func act(req: Request) async throws -> Response {
        let service = try await service(req)
        let account = try req.client.account
        let lifecycle = ServiceLifecycle(context: req.engine)
        let id = service.id
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        // Each action's own confirmation ("Service stopped", "Period changed to year"), not "Saved".
        let notice: String
        do {
            switch req.parameters.get("action") ?? "" {
            case "stop":
                try await lifecycle.stop(serviceID: id, account: account, actor: try req.client.actor)
                notice = "service_stopped"
            case "start":
                try await lifecycle.start(serviceID: id, account: account, actor: try req.client.actor)
                notice = "service_started"
            case "delete":
                try await lifecycle.delete(serviceID: id, account: account, actor: try req.client.actor)
                return req.redirect(to: SiteURL.services.notice("service_deleted"))
            case "autorenew":
                let enabled = form["enabled"] == "on"
                try await lifecycle.setAutoRenew(serviceID: id, enabled: enabled, account: account, actor: try req.client.actor)
                notice = enabled ? "autorenew_on" : "autorenew_off"
            case "period":
                guard let period = form["period"].flatMap(BillingPeriod.init(rawValue:)) else {
                    throw ServiceActionError.order(.periodNotOffered)
                }
                try await lifecycle.changePeriod(serviceID: id, to: period, account: account, actor: try req.client.actor)
                notice = "period_changed_" + period.rawValue
            case "extend":
                try await Orders(context: req.engine).requestRenewal(serviceID: id, account: account, actor: try req.client.actor)
                return req.redirect(to: SiteURL.orders.notice("renewal_requested"))
            case "resources":
                var addons: [UUID: Int] = [:]
                for (key, value) in form where key.hasPrefix("addon.") {
                    guard let addon = UUID(uuidString: String(key.dropFirst(6))) else { throw ServiceActionError.order(.addonNotInPlan) }
                    guard let amount = Int(value.trimmingCharacters(in: .whitespaces)) else {
                        throw ServiceActionError.order(.amountNotWhole)
                    }
                    addons[addon] = amount
                }
                if form["confirm"] != "yes" {
                    let change = try await lifecycle.quoteChange(serviceID: id, addons: addons, account: account)
                    return try await render(req, service: service, error: nil, change: change, status: .ok)
                }
                guard let key = form["key"], !key.isEmpty, key.count <= 64 else { throw ServiceActionError.notFound }
                try await lifecycle.changeResources(
                    serviceID: id, addons: addons, account: account, actor: try req.client.actor, requestKey: key)
                notice = "resources_changed"
            default:
                throw PageError.notFound
            }
        } catch let error as ServiceActionError {
            let page = PageContext(req)
            let fresh = (try? await ServiceLifecycle(context: req.engine).service(id, account: account)) ?? service
            return try await render(req, service: fresh, error: page.message(error), change: nil, status: .unprocessableEntity)
        } catch let error as OrderError {
            let page = PageContext(req)
            return try await render(req, service: service, error: page.message(error), change: nil, status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.service(.value(id)).notice(notice))
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
            account: try req.client.account, filter: filter,
            page: PageRequest.web(req.query[String.self, at: "page"]))
        return ServicePages.expenses(try await PageContext.client(req), filter: filter, expenses: page, totals: totals).response()
    }

    func expensesCSV(req: Request) async throws -> Response {
        let csv = try await ExpenseHistory(context: req.engine).csv(account: try req.client.account, filter: expenseFilter(req))
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
                account: try req.client.account, to: currency,
                actor: try req.client.actor, requestKey: key)
        } catch let error as CurrencyError {
            let page = try await PageContext.client(req)
            let message = page.message(error)
            let movements = try await req.engine.ledger.movements(of: try req.client.accountID, page: PageRequest(number: 1))
            return ClientPages.balanceHistory(page, movements: movements, error: message).response(status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.balanceHistory.notice("currency_changed"))
    }
}
