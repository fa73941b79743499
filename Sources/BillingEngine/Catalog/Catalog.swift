import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// A plan as the order form sees it in one currency: its prices per period and its add-ons.
public struct PlanOffer: Sendable {
    public let plan: Plan
    public let productType: ProductType
    /// The plan's price per offered period in the currency asked for.
    public let prices: [BillingPeriod: Money]
    public let addons: [AddonOffer]

    public var id: UUID { plan.id }
    /// The offered periods, shortest first.
    public var periods: [BillingPeriod] { BillingPeriod.allCases.filter { prices[$0] != nil } }
    /// On sale to clients paying in this offer's currency: enabled and priced for some period.
    /// A plan staff created but have not priced yet stays off the order form.
    public var isOrderable: Bool { plan.enabled && !prices.isEmpty }
}

/// A configurable resource of a plan with its unit prices per period.
public struct AddonOffer: Sendable {
    public let addon: Addon
    public let kind: AddonKind
    public let limits: AddonLimits
    public let unitPrices: [BillingPeriod: Money]

    public var id: UUID { addon.id }
}

/// Why staff could not save a catalog entry.
public enum CatalogError: Error, Equatable, Sendable {
    case nameRequired
    case unknownPlan
    case unknownAddon
    case badTrialDays
    case limits(AddonLimits.Invalid)
    case negativePrice
    /// The plan names a processing module this installation does not have.
    case unknownModule
    /// The plan's services live on their module: it changes only while the plan has none.
    case moduleInUse
}

/// The catalog (CAT-1): reading offers for the order form, and staff editing plans, prices and
/// add-ons.
public struct Catalog: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// The languages staff translate plan and resource texts into, besides English.
    public static var translatedLanguages: [Language] { Translations.languages }

    /// The processing modules a plan may name, and the one a plan without a name uses.
    public var modules: (names: [String], defaultName: String) { (context.modules.names, context.modules.defaultName) }

    /// Every plan, in the catalog's order, for staff lists.
    public func plans() async throws -> [PlanSummary] {
        try await PlanRecord.query(on: context.database).sort(\.$position).all().map(PlanSummary.init)
    }

    /// One plan, or `nil`.
    public func plan(_ id: UUID) async throws -> PlanSummary? {
        try await PlanRecord.find(id, on: context.database).map(PlanSummary.init)
    }

    /// Plans of a product type (or all), enabled only unless `includeDisabled`, with prices in
    /// `currency`. Three queries whatever the number of plans.
    public func offers(type: ProductType? = nil, currency: Currency, includeDisabled: Bool = false) async throws -> [PlanOffer] {
        let db = context.database
        let query = PlanRecord.query(on: db)
        if let type { query.filter(\.$productType == type) }
        if !includeDisabled { query.filter(\.$enabled == true) }
        let plans = try await query.sort(\.$position).sort(\.$name).all()
        let offers = try await offers(for: plans, currency: currency)
        return includeDisabled ? offers : offers.filter(\.isOrderable)
    }

    /// One plan's offer, or `nil` if there is no such plan.
    public func offer(planID: UUID, currency: Currency) async throws -> PlanOffer? {
        guard let plan = try await PlanRecord.find(planID, on: context.database) else { return nil }
        return try await offers(for: [plan], currency: currency).first
    }

    private func offers(for plans: [PlanRecord], currency: Currency) async throws -> [PlanOffer] {
        guard !plans.isEmpty else { return [] }
        let db = context.database
        let planIDs = plans.compactMap(\.id)
        let addons = try await AddonRecord.query(on: db).filter(\.$planID ~~ planIDs).sort(\.$position).sort(\.$createdAt).all()
        let owners = planIDs + addons.compactMap(\.id)
        let prices = try await PriceRecord.query(on: db).filter(\.$ownerID ~~ owners).filter(\.$currency == currency).all()
        var byOwner: [UUID: [BillingPeriod: Money]] = [:]
        for price in prices {
            byOwner[price.ownerID, default: [:]][price.period] = price.money(\.amount)
        }
        let addonsByPlan = Dictionary(grouping: addons, by: \.planID)
        return plans.compactMap { plan in
            let type = plan.productType
            let offers = (addonsByPlan[plan.id!] ?? []).compactMap { addon -> AddonOffer? in
                let kind = addon.kind
                guard
                    let limits = try? AddonLimits(
                        included: addon.included, minimum: addon.minimum, maximum: addon.maximum, step: addon.step)
                else { return nil }
                return AddonOffer(addon: Addon(addon), kind: kind, limits: limits, unitPrices: byOwner[addon.id!] ?? [:])
            }
            return PlanOffer(plan: Plan(plan), productType: type, prices: byOwner[plan.id!] ?? [:], addons: offers)
        }
    }

    // MARK: staff editing

    /// What staff enter for a plan.
    public struct PlanForm: Sendable {
        public var productType: ProductType
        public var name: String
        public var summary: String
        public var trialDays: Int
        public var enabled: Bool
        public var position: Int
        public var osImages: [String]
        /// `name.ru`, `summary.uk` …: the name and summary in other languages (empty: English is shown).
        public var translations: [String: String]
        /// The module that opens the plan's services (`libvirt` …); `nil`: the installation's default.
        public var processingModule: String?

        public init(
            productType: ProductType, name: String, summary: String = "", trialDays: Int = 0, enabled: Bool = true,
            position: Int = 0, osImages: [String] = [], translations: [String: String] = [:], processingModule: String? = nil
        ) {
            self.processingModule = processingModule
            self.translations = translations
            self.productType = productType
            self.name = name
            self.summary = summary
            self.trialDays = trialDays
            self.enabled = enabled
            self.position = position
            self.osImages = osImages
        }
    }

    /// Creates a plan (`planID == nil`) or updates one; returns its id.
    @discardableResult
    public func savePlan(_ form: PlanForm, planID: UUID? = nil, caller: Caller) async throws -> UUID {
        try caller.require(.manageCatalog)
        let name = form.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw CatalogError.nameRequired }
        guard (0...365).contains(form.trialDays) else { throw CatalogError.badTrialDays }
        let osImages = form.osImages.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let plan: PlanRecord
        if let planID {
            guard let existing = try await PlanRecord.find(planID, on: context.database) else { throw CatalogError.unknownPlan }
            plan = existing
        } else {
            plan = PlanRecord(productType: form.productType, name: name, summary: "", createdAt: context.clock.now)
        }
        plan.productType = form.productType
        plan.name = name
        plan.summary = String(form.summary.prefix(2000))
        plan.trialDays = form.trialDays
        plan.enabled = form.enabled
        plan.position = form.position
        plan.osImages = osImages.joined(separator: "\n")
        let module = form.processingModule.flatMap { $0.isEmpty || $0 == context.modules.defaultName ? nil : $0 }
        if let module, context.modules.module(named: module) == nil { throw CatalogError.unknownModule }
        if let planID, module != plan.processingModule.flatMap({ $0 == context.modules.defaultName ? nil : $0 }) {
            // A service stays on the backend it was opened on: its module cannot change under it.
            let living = try await ServiceRecord.query(on: context.database).filter(\.$planID == planID)
                .filter(\.$status != .deleted).count()
            guard living == 0 else { throw CatalogError.moduleInUse }
        }
        plan.processingModule = module
        plan.translations = Translations.encode(
            form.translations.mapValues { String($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(2000)) })
        try await plan.save(on: context.database)
        return plan.id!
    }

    /// Sets the price of a plan or add-on unit for a period in the amount's currency.
    public func setPrice(ownerID: UUID, period: BillingPeriod, amount: Money, caller: Caller) async throws {
        try caller.require(.manageCatalog)
        let db = context.database
        guard !amount.isNegative else { throw CatalogError.negativePrice }
        if let row = try await PriceRecord.query(on: db).filter(\.$ownerID == ownerID).filter(\.$period == period)
            .filter(\.$currency == amount.currency).first()
        {
            row.amount = amount.units
            try await row.update(on: db)
        } else {
            try await PriceRecord(ownerID: ownerID, period: period, currency: amount.currency, amount: amount.units).create(
                on: db)
        }
    }

    /// Removes the price of an owner for a period and currency (the period is no longer offered).
    public func removePrice(ownerID: UUID, period: BillingPeriod, currency: Currency, caller: Caller) async throws {
        try caller.require(.manageCatalog)
        try await PriceRecord.query(on: context.database).filter(\.$ownerID == ownerID).filter(\.$period == period)
            .filter(\.$currency == currency).delete()
    }

    /// What staff enter for an add-on.
    public struct AddonForm: Sendable {
        public var kind: AddonKind
        public var name: String
        public var included: Int
        public var minimum: Int
        public var maximum: Int
        public var step: Int
        /// `name.ru`, `name.uk`: the name in other languages.
        public var translations: [String: String]

        public init(
            kind: AddonKind, name: String, included: Int, minimum: Int, maximum: Int, step: Int,
            translations: [String: String] = [:]
        ) {
            self.translations = translations
            self.kind = kind
            self.name = name
            self.included = included
            self.minimum = minimum
            self.maximum = maximum
            self.step = step
        }
    }

    /// Adds an add-on to a plan (`addonID == nil`) or updates one; returns its id.
    @discardableResult
    public func saveAddon(_ form: AddonForm, planID: UUID, addonID: UUID? = nil, caller: Caller) async throws -> UUID {
        try caller.require(.manageCatalog)
        let name = form.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw CatalogError.nameRequired }
        do {
            _ = try AddonLimits(included: form.included, minimum: form.minimum, maximum: form.maximum, step: form.step)
        } catch {
            throw CatalogError.limits(error)
        }
        guard try await PlanRecord.find(planID, on: context.database) != nil else { throw CatalogError.unknownPlan }
        let addon: AddonRecord
        if let addonID {
            guard let existing = try await AddonRecord.find(addonID, on: context.database), existing.planID == planID else {
                throw CatalogError.unknownAddon
            }
            addon = existing
        } else {
            let count = try await AddonRecord.query(on: context.database).filter(\.$planID == planID).count()
            addon = AddonRecord(
                planID: planID, kind: form.kind, name: name, included: 0, minimum: 0, maximum: 0, step: 1,
                position: count, createdAt: context.clock.now)
        }
        addon.kind = form.kind
        addon.name = name
        addon.included = form.included
        addon.minimum = form.minimum
        addon.maximum = form.maximum
        addon.step = form.step
        addon.translations = Translations.encode(
            form.translations.mapValues { String($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)) })
        try await addon.save(on: context.database)
        return addon.id!
    }
}

extension CatalogError: Refusal {
    public var code: String {
        switch self {
        case .nameRequired: "name_missing"
        case .unknownPlan, .unknownAddon: "not_found"
        case .badTrialDays: "trial_invalid"
        case .limits: "limits_invalid"
        case .negativePrice: "price_invalid"
        case .unknownModule: "module_unknown"
        case .moduleInUse: "module_in_use"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .unknownPlan, .unknownAddon: .notFound
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .nameRequired: "error.catalog.name"
        case .unknownPlan, .unknownAddon: "error.not_found"
        case .badTrialDays: "error.catalog.trial"
        case .limits: "error.catalog.limits"
        case .negativePrice: "error.catalog.negative"
        case .unknownModule: "error.catalog.module_unknown"
        case .moduleInUse: "error.catalog.module_in_use"
        }
    }
}
