import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// What a client asks for: a plan, a period and resource amounts. Nothing here is a price:
/// prices come from the catalog on the server (a peer's CVE came from trusting client-sent
/// add-on prices).
public struct OrderConfiguration: Sendable, Hashable, Codable {
    public var planID: UUID
    public var period: BillingPeriod
    /// Requested amounts by add-on id; add-ons not named get their included amount.
    public var addons: [UUID: Int]
    public var domainName: String
    public var osImage: String
    public var trial: Bool
    public var promoCode: String?
    /// A quick order (CAT-4): a server may come without its name; once paid it waits in
    /// "configuration required" until the client gives it.
    public var quick: Bool

    public init(
        planID: UUID, period: BillingPeriod, addons: [UUID: Int] = [:], domainName: String = "",
        osImage: String = "", trial: Bool = false, promoCode: String? = nil, quick: Bool = false
    ) {
        self.quick = quick
        self.planID = planID
        self.period = period
        self.addons = addons
        self.domainName = domainName
        self.osImage = osImage
        self.trial = trial
        self.promoCode = promoCode
    }

    /// The add-on amounts as stored with an order item or a service.
    public var addonsJSON: String { Self.json(addons: addons) }

    public static func json(addons: [UUID: Int]) -> String {
        let object = Dictionary(uniqueKeysWithValues: addons.map { ($0.key.uuidString.lowercased(), $0.value) })
        return String(
            decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }

    public static func addons(fromJSON json: String) -> [UUID: Int] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Int] else { return [:] }
        var result: [UUID: Int] = [:]
        for (key, value) in object { if let id = UUID(uuidString: key) { result[id] = value } }
        return result
    }
}

/// Why an order (or a change of a service) is refused. Each case has a message in the user's
/// language; nothing is changed when one is thrown.
public enum OrderError: Error, Equatable, Sendable {
    case unknownPlan
    case planNotOffered
    case periodNotOffered
    case notInCurrency(String)
    case addonNotInPlan
    /// A resource amount that is not a whole number ("abc", "1.5").
    case amountNotWhole
    /// A price that would exceed `MoneyLimits.maximumAmount` (a huge quantity of a resource).
    case amountTooLarge
    case addonBelowMinimum(name: String, minimum: Int)
    case addonAboveMaximum(name: String, maximum: Int)
    case addonOffStep(name: String, step: Int)
    case domainNameRequired
    case domainNameInvalid
    case unknownOS
    case trialNotOffered
    case trialUsed
    case promo(PromoError)
    case insufficientBalance(needed: Money, available: Money)
    case emptyCart
    case itemNotFound
    case orderNotFound
    case orderNotPending
}

/// Why a promo code does not apply.
public enum PromoError: String, Error, Equatable, Sendable {
    case unknown
    case notYetValid = "not_yet_valid"
    case expired
    case usedUp = "used_up"
    case alreadyUsed = "already_used"
    case otherPlan = "other_plan"
    case otherCurrency = "other_currency"
}

/// A configuration checked against the catalog and priced.
public struct PricedConfiguration: Sendable {
    public let offer: PlanOffer
    public let configuration: OrderConfiguration
    /// Every add-on of the plan with the amount that will be provisioned.
    public let amounts: [UUID: Int]
    public let quote: Quote
    public let promo: PromoCodeRecord?
}

/// Prices configurations on the server: validates every add-on against its plan's limits, applies
/// trial, proration, promo code and the payer's VAT.
public struct OrderPricing: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public func price(
        _ configuration: OrderConfiguration, for account: Account,
        settings: BillingSettings? = nil
    ) async throws -> PricedConfiguration {
        let account = try await context.record(of: account)
        let given = settings
        let settings: BillingSettings
        if let given { settings = given } else { settings = try await BillingSettings.load(on: context.database) }
        let currency = account.currency
        guard let offer = try await Catalog(context: context).offer(planID: configuration.planID, currency: currency) else {
            throw OrderError.unknownPlan
        }
        guard offer.isOrderable else { throw OrderError.planNotOffered }
        var configuration = configuration
        let amounts = try Self.validate(&configuration, offer: offer, currency: currency)
        if configuration.trial {
            guard offer.plan.trialDays > 0 else { throw OrderError.trialNotOffered }
            // One trial per client and plan, ever: a converted or deleted trial service still has
            // its `trial_started` event.
            let services = try await ServiceRecord.query(on: context.database).filter(\.$accountID == account.id!)
                .filter(\.$planID == offer.id).all(\.$id)
            let trials =
                services.isEmpty
                ? 0
                : try await ServiceEventRecord.query(on: context.database)
                    .filter(\.$serviceID ~~ services).filter(\.$event == "trial_started").count()
            guard trials == 0 else { throw OrderError.trialUsed }
        }
        let promo = try await promoCode(configuration.promoCode, planID: offer.id, account: account, currency: currency)
        let today = context.today
        let first: (end: LocalDate, share: Fraction) =
            configuration.trial
            ? (today.adding(days: offer.plan.trialDays), .one)
            : Proration.firstPeriod(orderedOn: today, period: configuration.period, alignment: settings.alignment)
        let quote = Quote.make(
            components: try Self.components(offer: offer, period: configuration.period, amounts: amounts),
            currency: currency, period: configuration.period, firstPeriodEnds: first.end, share: first.share,
            trial: configuration.trial, promo: promo.map(Self.discount), taxRate: VATTable.rate(forCountry: account.country),
            taxMode: settings.taxMode)
        return PricedConfiguration(offer: offer, configuration: configuration, amounts: amounts, quote: quote, promo: promo)
    }

    /// Checks the configuration against the plan; fills in defaults (included amounts, the first
    /// OS) and returns the amount of every add-on.
    static func validate(_ configuration: inout OrderConfiguration, offer: PlanOffer, currency: Currency) throws -> [UUID: Int] {
        guard offer.prices[configuration.period] != nil else {
            throw offer.prices.isEmpty ? OrderError.notInCurrency(currency.code) : OrderError.periodNotOffered
        }
        let known = Set(offer.addons.map(\.id))
        guard configuration.addons.keys.allSatisfy(known.contains) else { throw OrderError.addonNotInPlan }
        var amounts: [UUID: Int] = [:]
        for addon in offer.addons {
            let amount = configuration.addons[addon.id] ?? addon.limits.included
            do {
                try addon.limits.validate(amount)
            } catch {
                switch error {
                case .belowMinimum(let minimum): throw OrderError.addonBelowMinimum(name: addon.addon.name, minimum: minimum)
                case .aboveMaximum(let maximum): throw OrderError.addonAboveMaximum(name: addon.addon.name, maximum: maximum)
                case .offStep(let step): throw OrderError.addonOffStep(name: addon.addon.name, step: step)
                }
            }
            if addon.limits.chargeable(amount) > 0, addon.unitPrices[configuration.period] == nil {
                throw OrderError.periodNotOffered
            }
            amounts[addon.id] = amount
        }
        configuration.addons = amounts
        if offer.productType.asksForDomainName {
            let name = configuration.domainName.trimmingCharacters(in: .whitespaces).lowercased()
            // A quick order's server gets its name after payment; a domain's name is what is sold.
            if name.isEmpty, configuration.quick, offer.productType.hasServer {
                configuration.domainName = ""
                return try Self.checkSystem(&configuration, offer: offer, amounts: amounts)
            }
            guard !name.isEmpty else { throw OrderError.domainNameRequired }
            guard DomainName.isValid(name, requireDot: offer.productType == .domain || offer.productType == .ssl) else {
                throw OrderError.domainNameInvalid
            }
            configuration.domainName = name
        } else {
            configuration.domainName = ""
        }
        return try Self.checkSystem(&configuration, offer: offer, amounts: amounts)
    }

    /// The operating system: one of the plan's, its first when none is chosen.
    static func checkSystem(_ configuration: inout OrderConfiguration, offer: PlanOffer, amounts: [UUID: Int]) throws -> [UUID: Int] {
        guard let system = offer.plan.system(choosing: configuration.osImage) else { throw OrderError.unknownOS }
        configuration.osImage = system
        return amounts
    }

    /// The lines of a configuration's price per period: the plan, then every add-on.
    static func components(offer: PlanOffer, period: BillingPeriod, amounts: [UUID: Int]) throws -> [Quote.Component] {
        let planPrice = offer.prices[period]!
        var lines: [Quote.Component] = [(key: "plan", name: offer.plan.name, quantity: nil, included: nil, perPeriod: planPrice)]
        for addon in offer.addons {
            let amount = amounts[addon.id] ?? addon.limits.included
            let chargeable = addon.limits.chargeable(amount)
            let unit = addon.unitPrices[period] ?? .zero(planPrice.currency)
            lines.append(
                (
                    key: addon.id.uuidString.lowercased(), name: addon.addon.name, quantity: amount,
                    included: addon.limits.included, perPeriod: try perPeriod(unit, chargeable)
                ))
        }
        return lines
    }

    /// The catalog price of one period of a configuration, as a service stores it for renewals.
    static func recurringAmount(offer: PlanOffer, period: BillingPeriod, amounts: [UUID: Int]) throws -> Money {
        let lines = try components(offer: offer, period: period, amounts: amounts)
        return Money.sum(lines.map(\.perPeriod), currency: lines[0].perPeriod.currency)
    }

    /// An add-on's price per period: the unit price times the chargeable quantity, refused when a
    /// huge quantity (within limits staff set) would leave the range of one amount.
    static func perPeriod(_ unit: Money, _ quantity: Int) throws -> Money {
        guard let price = unit.multipliedWithinLimits(by: quantity) else { throw OrderError.amountTooLarge }
        return price
    }

    static func discount(_ promo: PromoCodeRecord) -> PromoDiscount {
        if promo.kind == .fixed, let currency = promo.currency {
            return .fixed(Money(units: promo.value, currency: currency))
        }
        return .percent(basisPoints: promo.value)
    }

    /// The promo code if it applies to this plan for this client today; throws why it does not.
    func promoCode(_ text: String?, planID: UUID, account: AccountRecord, currency: Currency) async throws -> PromoCodeRecord? {
        guard let text = text?.trimmingCharacters(in: .whitespaces).uppercased(), !text.isEmpty else { return nil }
        let db = context.database
        guard let promo = try await PromoCodeRecord.query(on: db).filter(\.$code == text).first(), promo.enabled else {
            throw OrderError.promo(.unknown)
        }
        let today = context.today.iso
        if let from = promo.validFrom, today < from { throw OrderError.promo(.notYetValid) }
        if let until = promo.validUntil, today > until { throw OrderError.promo(.expired) }
        if let plan = promo.planID, plan != planID { throw OrderError.promo(.otherPlan) }
        if promo.kind == .fixed, promo.currency != currency { throw OrderError.promo(.otherCurrency) }
        if let limit = promo.usageLimit {
            let used = try await PromoRedemptionRecord.query(on: db).filter(\.$promoID == promo.id!).count()
            if used >= limit { throw OrderError.promo(.usedUp) }
        }
        if promo.oncePerClient {
            let used = try await PromoRedemptionRecord.query(on: db).filter(\.$promoID == promo.id!)
                .filter(\.$accountID == account.id!).count()
            if used > 0 { throw OrderError.promo(.alreadyUsed) }
        }
        return promo
    }
}

/// Host and domain names as the order form accepts them.
public enum DomainName {
    public static func isValid(_ name: String, requireDot: Bool) -> Bool {
        guard name.count <= 253, !name.hasPrefix("."), !name.hasSuffix(".") else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if requireDot && labels.count < 2 { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
        }
    }
}

extension OrderError: Refusal {
    public var code: String {
        switch self {
        case .itemNotFound, .orderNotFound, .unknownPlan: "not_found"
        case .orderNotPending: "order_not_pending"
        case .insufficientBalance: "insufficient_balance"
        case .promo(let refusal): refusal.code
        default: "order_refused"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .itemNotFound, .orderNotFound: .notFound
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .unknownPlan: "error.order.unknown_plan"
        case .planNotOffered: "error.order.plan_not_offered"
        case .periodNotOffered: "error.order.period_not_offered"
        case .notInCurrency: "error.order.currency"
        case .addonNotInPlan: "error.order.addon_not_in_plan"
        case .addonBelowMinimum: "error.order.addon_min"
        case .addonAboveMaximum: "error.order.addon_max"
        case .addonOffStep: "error.order.addon_step"
        case .domainNameRequired: "error.order.domain_required"
        case .domainNameInvalid: "error.order.domain_invalid"
        case .unknownOS: "error.order.unknown_os"
        case .trialNotOffered: "error.order.trial_not_offered"
        case .trialUsed: "error.order.trial_used"
        case .promo(let refusal): refusal.textKey
        case .insufficientBalance: "error.order.insufficient"
        case .emptyCart: "error.order.empty_cart"
        case .amountNotWhole: "error.order.amount_whole"
        case .amountTooLarge: "error.order.amount_too_large"
        case .itemNotFound, .orderNotFound: "error.not_found"
        case .orderNotPending: "error.order.not_pending"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .notInCurrency(let code): ["currency": .text(code)]
        case .addonBelowMinimum(let name, let value), .addonAboveMaximum(let name, let value), .addonOffStep(let name, let value):
            ["name": .text(name), "value": .number(value)]
        case .insufficientBalance(let needed, let available): ["needed": .money(needed), "available": .money(available)]
        case .amountTooLarge: ["max": .maximumAmount]
        default: [:]
        }
    }
}

extension PromoError: Refusal {
    public var code: String { "promo_" + rawValue }
    public var textKey: String { "error.promo." + rawValue }
}
