import BillingDomain
import BillingStore
import Foundation

/// A plan as staff lists show it (the order form reads `PlanOffer`).
public struct PlanSummary: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let name: LocalizedText
    public let productType: ProductType
    public let position: Int

    init(_ record: PlanRecord) {
        id = record.id!
        name = record.localizedName
        productType = record.productType
        position = record.position
    }
}

/// An exchange rate staff set: 1 `base` = `rate` `quote`.
public struct ExchangeRate: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let base: Currency
    public let quote: Currency
    /// The rate in the quote currency, with up to four decimals.
    public let rate: Money
    public let setBy: String
    public let createdAt: Date

    init(_ record: CurrencyRateRecord) {
        id = record.id!
        base = record.base
        quote = record.quote
        rate = Money(units: record.rateMicros / 100, currency: record.quote)
        setBy = record.setBy
        createdAt = record.createdAt
    }
}

/// One run of a daily job, as the billing page lists them.
public struct JobRun: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let kind: String
    public let runOn: String
    /// `pending` until the pass finished, then `done`.
    public let status: ScheduledJobStatus
    /// What the pass did, once it finished.
    public let summary: RenewalRun.Summary?
    public let lastError: String?

    /// The amounts the pass charged, by currency.
    public var charged: [Money] {
        (summary?.charged ?? [:]).sorted { $0.key < $1.key }.compactMap { code, units in
            Currency.named(code).map { Money(units: units, currency: $0) }
        }
    }

    init(_ record: ScheduledJobRecord) {
        id = record.id!
        kind = record.kind
        runOn = record.runOn
        status = record.status
        summary = record.summary.flatMap { try? JSONDecoder().decode(RenewalRun.Summary.self, from: Data($0.utf8)) }
        lastError = record.lastError
    }
}

/// A promo code (CAT-4) as staff see it.
public struct PromoCode: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let code: String
    public let discount: PromoDiscount
    /// `nil`: every plan.
    public let planID: UUID?
    public let validFrom: LocalDate?
    public let validUntil: LocalDate?
    /// `nil`: unlimited.
    public let usageLimit: Int?
    public let oncePerClient: Bool
    public let createdAt: Date

    init(_ record: PromoCodeRecord, fallback: Currency) {
        id = record.id!
        code = record.code
        discount =
            record.kind == .percent
            ? .percent(basisPoints: record.value)
            : .fixed(Money(units: record.value, currency: record.currency ?? fallback))
        planID = record.planID
        validFrom = record.validFrom.flatMap(LocalDate.init(iso:))
        validUntil = record.validUntil.flatMap(LocalDate.init(iso:))
        usageLimit = record.usageLimit
        oncePerClient = record.oncePerClient
        createdAt = record.createdAt
    }
}

/// Texts kept in English with staff's translations beside them (`"name.ru": …`).
public protocol TranslatedTexts {
    var translations: [String: String] { get }
}

extension TranslatedTexts {
    /// `field` in `language`, or `english` when it was not translated.
    func translated(_ field: String, english: String, in language: Language) -> String {
        guard language != .en, let value = translations["\(field).\(language.rawValue)"],
            !value.trimmingCharacters(in: .whitespaces).isEmpty
        else { return english }
        return value
    }

    /// The translation of `field` in `language` as staff entered it ("" when none).
    public func translation(_ field: String, _ language: Language) -> String {
        translations["\(field).\(language.rawValue)"] ?? ""
    }
}

/// A plan of the catalog (CAT-1).
public struct Plan: Sendable, Identifiable, Hashable, TranslatedTexts {
    public let id: UUID
    public let productType: ProductType
    /// In English; `name(in:)` for the reader's language.
    public let name: String
    public let summary: String
    public let translations: [String: String]
    public let trialDays: Int
    public let enabled: Bool
    public let position: Int
    /// The operating systems offered, one per line as staff typed them.
    public let osImages: String
    /// The module that opens its services; `nil`: the installation's default.
    public let processingModule: String?

    public var osList: [String] {
        osImages.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The system an order or a quick order's completion gets: `chosen` when the plan offers
    /// it, the plan's first when none is chosen, empty for a plan without systems; `nil` for
    /// one the plan does not offer.
    public func system(choosing chosen: String) -> String? {
        let systems = osList
        let chosen = chosen.trimmingCharacters(in: .whitespaces)
        if systems.isEmpty { return "" }
        if chosen.isEmpty { return systems[0] }
        return systems.contains(chosen) ? chosen : nil
    }

    public func name(in language: Language) -> String { translated("name", english: name, in: language) }
    public func summary(in language: Language) -> String { translated("summary", english: summary, in: language) }

    init(_ record: PlanRecord) {
        id = record.id!
        productType = record.productType
        name = record.name
        summary = record.summary
        translations = Translations.decode(record.translations)
        trialDays = record.trialDays
        enabled = record.enabled
        position = record.position
        osImages = record.osImages
        processingModule = record.processingModule
    }
}

/// A configurable resource of a plan (RAM, disk …).
public struct Addon: Sendable, Identifiable, Hashable, TranslatedTexts {
    public let id: UUID
    public let planID: UUID
    /// In English; `name(in:)` for the reader's language.
    public let name: String
    public let translations: [String: String]

    public func name(in language: Language) -> String { translated("name", english: name, in: language) }

    init(_ record: AddonRecord) {
        id = record.id!
        planID = record.planID
        name = record.name
        translations = Translations.decode(record.translations)
    }
}
