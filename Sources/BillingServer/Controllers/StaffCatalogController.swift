import BillingDomain
import BillingEngine
import Vapor

/// Staff editing of the catalog (CAT-1) and of the billing rules: plans, prices per period and
/// currency, add-ons, promo codes, tax mode and alignment, exchange rates, the daily job.
struct StaffCatalogController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.staff(.catalog), use: list)
        routes.post(SiteURL.staff(.catalog), use: createPlan)
        routes.get(SiteURL.staff(.plan(.key)), use: edit)
        routes.post(SiteURL.staff(.plan(.key)), use: savePlan)
        routes.post(SiteURL.staff(.planPrices(.key)), use: savePrices)
        routes.post(SiteURL.staff(.planAddons(.key)), use: saveAddon)
        routes.get(SiteURL.staff(.billing), use: billing)
        routes.post(SiteURL.staff(.billingSettings), use: saveSettings)
        routes.post(SiteURL.staff(.billingRates), use: saveRate)
        routes.post(SiteURL.staff(.billingPromos), use: savePromo)
        routes.post(SiteURL.staff(.billingRun), use: runJobs)
        routes.post(SiteURL.staff(.billingSeller), use: saveSeller)
    }

    func list(req: Request) async throws -> Response {
        let offers = try await Catalog(context: req.engine).offers(currency: req.engine.provider.defaultCurrency, includeDisabled: true)
        return StaffCatalogPages.list(PageContext(req), offers: offers, error: nil).response()
    }

    static func planForm(_ form: [String: String]) -> Catalog.PlanForm? {
        guard let type = form["type"].flatMap(ProductType.init(rawValue:)) else { return nil }
        return Catalog.PlanForm(
            productType: type, name: form["name"] ?? "", summary: form["summary"] ?? "",
            trialDays: Int(form["trial_days"] ?? "0") ?? -1, enabled: form["enabled"] == "on",
            position: Int(form["position"] ?? "0") ?? 0,
            osImages: (form["os"] ?? "").split(whereSeparator: \.isNewline).map(String.init),
            translations: translations(form, fields: ["name", "summary"]), processingModule: form["module"])
    }

    /// The `name.ru`, `summary.uk` … fields of a staff form.
    static func translations(_ form: [String: String], fields: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for field in fields {
            for language in Catalog.translatedLanguages {
                let key = "\(field).\(language.rawValue)"
                if let value = form[key] { result[key] = value }
            }
        }
        return result
    }

    func createPlan(req: Request) async throws -> Response {
        var form = try req.content.decode([String: String].self)
        form["enabled"] = "on"
        let page = PageContext(req)
        do {
            guard let plan = Self.planForm(form) else { throw CatalogError.unknownPlan }
            let id = try await Catalog(context: req.engine).savePlan(plan, caller: try req.staff.caller)
            return req.redirect(to: SiteURL.staff(.plan(.value(id))).notice("plan_saved"))
        } catch let error as CatalogError {
            let offers = try await Catalog(context: req.engine).offers(currency: req.engine.provider.defaultCurrency, includeDisabled: true)
            return StaffCatalogPages.list(page, offers: offers, error: page.message(error)).response(status: .unprocessableEntity)
        }
    }

    private func plan(_ req: Request) async throws -> PlanSummary {
        guard let id = req.parameters.get("planID").flatMap(UUID.init(uuidString:)),
            let plan = try await Catalog(context: req.engine).plan(id)
        else { throw PageError.notFound }
        return plan
    }

    private func currency(_ req: Request) -> Currency {
        req.query[String.self, at: "currency"].flatMap(Currency.named) ?? req.engine.provider.defaultCurrency
    }

    func edit(req: Request) async throws -> Response {
        return try await render(req, plan: try await plan(req), currency: currency(req), error: nil, status: .ok)
    }

    private func render(_ req: Request, plan: PlanSummary, currency: Currency, error: String?, status: HTTPStatus) async throws -> Response
    {
        guard let offer = try await Catalog(context: req.engine).offer(planID: plan.id, currency: currency) else {
            throw PageError.notFound
        }
        return StaffCatalogPages.edit(
            PageContext(req), offer: offer, currency: currency, modules: Catalog(context: req.engine).modules, error: error
        ).response(status: status)
    }

    func savePlan(req: Request) async throws -> Response {
        let plan = try await plan(req)
        let form = try req.content.decode([String: String].self)
        do {
            guard let fields = Self.planForm(form) else { throw CatalogError.unknownPlan }
            try await Catalog(context: req.engine).savePlan(fields, planID: plan.id, caller: try req.staff.caller)
        } catch let error as CatalogError {
            return try await render(
                req, plan: plan, currency: currency(req), error: PageContext(req).message(error), status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.staff(.plan(.value(plan.id))).notice("plan_saved"))
    }

    /// Prices of one owner for one currency from `price.<period>` fields; an empty field removes
    /// the price (the period is no longer offered). All fields are checked before anything is saved.
    static func prices(_ form: [String: String], currency: Currency, page: PageContext) throws -> [BillingPeriod: Money?] {
        var result: [BillingPeriod: Money?] = [:]
        for period in BillingPeriod.allCases {
            guard let text = form["price.\(period.rawValue)"] else { continue }
            if text.trimmingCharacters(in: .whitespaces).isEmpty {
                result[period] = .some(nil)
                continue
            }
            let amount = try page.amount(text, currency, decimals: 4, positive: false)
            guard !amount.isNegative else { throw CatalogError.negativePrice }
            result[period] = amount
        }
        return result
    }

    private func apply(_ prices: [BillingPeriod: Money?], owner: UUID, currency: Currency, catalog: Catalog, caller: Caller) async throws {
        for (period, amount) in prices {
            if let amount {
                try await catalog.setPrice(ownerID: owner, period: period, amount: amount, caller: caller)
            } else {
                try await catalog.removePrice(ownerID: owner, period: period, currency: currency, caller: caller)
            }
        }
    }

    func savePrices(req: Request) async throws -> Response {
        let plan = try await plan(req)
        let currency = currency(req)
        let form = try req.content.decode([String: String].self)
        let page = PageContext(req)
        do {
            let prices = try Self.prices(form, currency: currency, page: page)
            try await apply(prices, owner: plan.id, currency: currency, catalog: Catalog(context: req.engine), caller: try req.staff.caller)
        } catch let error as AmountRefusal {
            return try await render(req, plan: plan, currency: currency, error: page.message(error), status: .unprocessableEntity)
        } catch let error as CatalogError {
            return try await render(req, plan: plan, currency: currency, error: page.message(error), status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.staff(.plan(.value(plan.id))).path(["currency": currency.code, "notice": "prices_saved"]))
    }

    func saveAddon(req: Request) async throws -> Response {
        let plan = try await plan(req)
        let currency = currency(req)
        let form = try req.content.decode([String: String].self)
        let page = PageContext(req)
        func number(_ key: String) throws -> Int {
            guard let value = Int((form[key] ?? "").trimmingCharacters(in: .whitespaces)) else { throw CatalogError.limits(.negative) }
            return value
        }
        do {
            guard let kind = form["kind"].flatMap(AddonKind.init(rawValue:)) else { throw CatalogError.unknownAddon }
            let prices = try Self.prices(form, currency: currency, page: page)
            let fields = Catalog.AddonForm(
                kind: kind, name: form["name"] ?? "", included: try number("included"), minimum: try number("minimum"),
                maximum: try number("maximum"), step: try number("step"),
                translations: Self.translations(form, fields: ["name"]))
            let id = try await Catalog(context: req.engine).saveAddon(
                fields, planID: plan.id, addonID: form["addon"].flatMap(UUID.init(uuidString:)), caller: try req.staff.caller)
            try await apply(prices, owner: id, currency: currency, catalog: Catalog(context: req.engine), caller: try req.staff.caller)
        } catch let error as AmountRefusal {
            return try await render(req, plan: plan, currency: currency, error: page.message(error), status: .unprocessableEntity)
        } catch let error as CatalogError {
            return try await render(req, plan: plan, currency: currency, error: page.message(error), status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.staff(.plan(.value(plan.id))).path(["currency": currency.code, "notice": "addon_saved"]))
    }

    // MARK: billing rules

    func billing(req: Request) async throws -> Response {
        return try await renderBilling(req, error: nil, status: .ok)
    }

    private func renderBilling(_ req: Request, error: String?, status: HTTPStatus) async throws -> Response {
        let settings = try await BillingSettings.load(context: req.engine)
        let rates = try await Currencies(context: req.engine).currentRates()
        let promos = try await PromoCodes(context: req.engine).recent()
        let plans = try await Catalog(context: req.engine).plans()
        let jobs = try await JobRunner.recent(context: req.engine)
        let seller = try await SellerDetails.load(context: req.engine)
        return StaffCatalogPages.billing(
            PageContext(req), settings: settings, seller: seller, rates: rates, promos: promos, plans: plans,
            jobs: jobs, error: error
        ).response(status: status)
    }

    /// The seller's legal and bank details, printed on bank-transfer invoices.
    func saveSeller(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        var seller = SellerDetails()
        for field in ["seller.legal_name", "seller.address", "seller.tax_id", "seller.bank_name", "seller.account", "seller.bank_code"] {
            seller[field] = form[field] ?? ""
        }
        do { try await seller.save(context: req.engine) } catch let error as SellerDetailsError {
            return try await renderBilling(req, error: PageContext(req).message(error), status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.staff(.billing).notice("seller_saved"))
    }

    func saveSettings(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        var settings = try await BillingSettings.load(context: req.engine)
        let page = PageContext(req)
        guard let mode = form["tax_mode"].flatMap(TaxMode.init(rawValue:)),
            let alignment = form["alignment"].flatMap(BillingAlignment.init(rawValue:)),
            let grace = Int(form["grace_days"] ?? ""), let notice = Int(form["notice_days"] ?? "")
        else {
            return try await renderBilling(req, error: page.t("error.bad_request"), status: .unprocessableEntity)
        }
        settings.taxMode = mode
        settings.alignment = alignment
        settings.graceDays = grace
        settings.noticeDays = notice
        do { try await settings.save(context: req.engine) } catch let error as BillingSettingsError {
            return try await renderBilling(req, error: page.message(error), status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.staff(.billing).notice("billing_rules_saved"))
    }

    func saveRate(req: Request) async throws -> Response {
        let staff = try req.staff
        let form = try req.content.decode([String: String].self)
        let page = PageContext(req)
        guard let base = form["base"].flatMap(Currency.named), let quote = form["quote"].flatMap(Currency.named),
            let rate = try? page.amount(form["rate"] ?? "", quote, decimals: 4)
        else {
            return try await renderBilling(req, error: page.t("error.billing.rate"), status: .unprocessableEntity)
        }
        do {
            try await Currencies(context: req.engine).setRate(
                base: base, quote: quote, rateMicros: rate.units * 100, caller: staff.caller)
        } catch {
            return try await renderBilling(req, error: page.t("error.billing.rate"), status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.staff(.billing).notice("rate_saved"))
    }

    func savePromo(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        let page = PageContext(req)
        do {
            guard let kind = form["kind"].flatMap(PromoKind.init(rawValue:)),
                let value = try? page.amount(form["value"] ?? "", req.engine.provider.defaultCurrency)
            else { throw PromoCodeError.invalid }
            try await PromoCodes(context: req.engine).create(
                PromoCodeForm(
                    code: form["code"] ?? "", kind: kind, value: value, planID: form["plan"].flatMap(UUID.init(uuidString:)),
                    validFrom: form["valid_from"].flatMap(LocalDate.init(iso:)),
                    validUntil: form["valid_until"].flatMap(LocalDate.init(iso:)),
                    usageLimit: form["usage_limit"].flatMap { Int($0) }, oncePerClient: form["once"] == "on"), caller: try req.staff.caller)
        } catch let error as PromoCodeError {
            return try await renderBilling(req, error: page.message(error), status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.staff(.billing).notice("promo_created"))
    }

    func runJobs(req: Request) async throws -> Response {
        // The notice says what happened: it ran (with its counts), it had run already today, or
        // another instance is running it now.
        switch try await JobRunner(context: req.engine, owner: "staff").runDue() {
        case .ran(let summary):
            return req.redirect(
                to: SiteURL.staff(.billing).path([
                    "notice": "run_done", "renewed": String(summary.renewed), "expired": String(summary.expired),
                    "deleted": String(summary.deleted)
                ]))
        case .alreadyDone: return req.redirect(to: SiteURL.staff(.billing).notice("run_already_done"))
        case .leasedElsewhere: return req.redirect(to: SiteURL.staff(.billing).notice("run_elsewhere"))
        }
    }
}
