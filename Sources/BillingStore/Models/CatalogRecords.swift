import BillingDomain
import FluentKit
import Foundation

/// A tariff plan of the catalog (CAT-1): what is sold, its trial, and the operating systems
/// it offers. Prices live in `catalog_prices`, resources in `catalog_addons`.
public final class PlanRecord: Model, @unchecked Sendable {
    public static let schema = "catalog_plans"

    @ID(key: .id) public var id: UUID?
    @Field(key: "product_type") public var productType: ProductType
    @Field(key: "name") public var name: String
    @Field(key: "description") public var summary: String
    /// Name and summary in other languages (`Translatable`).
    @OptionalField(key: "translations") public var translations: String?
    /// Days of free use before the first charge; 0 when the plan has no trial.
    @Field(key: "trial_days") public var trialDays: Int
    @Field(key: "enabled") public var enabled: Bool
    @Field(key: "position") public var position: Int
    /// Operating systems offered, one per line; empty when the plan has none to choose.
    @Field(key: "os_images") public var osImages: String
    /// The processing module that opens and runs this plan's services (`libvirt`, `ipmi` …);
    /// `nil`: the installation's default module.
    @OptionalField(key: "processing_module") public var processingModule: String?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), productType: ProductType, name: String, summary: String, trialDays: Int = 0,
        enabled: Bool = true, position: Int = 0, osImages: [String] = [], createdAt: Date
    ) {
        self.id = id
        self.productType = productType
        self.name = name
        self.summary = summary
        self.trialDays = trialDays
        self.enabled = enabled
        self.position = position
        self.osImages = osImages.joined(separator: "\n")
        self.createdAt = createdAt
    }

    public var osList: [String] {
        osImages.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A configurable resource of a plan: included amount, limits, step; its unit prices per period
/// and currency are in `catalog_prices` under the add-on's id.
public final class AddonRecord: Model, @unchecked Sendable {
    public static let schema = "catalog_addons"

    @ID(key: .id) public var id: UUID?
    @Field(key: "plan_id") public var planID: UUID
    @Field(key: "kind") public var kind: AddonKind
    @Field(key: "name") public var name: String
    /// The name in other languages (`Translatable`).
    @OptionalField(key: "translations") public var translations: String?
    @Field(key: "included") public var included: Int
    @Field(key: "minimum") public var minimum: Int
    @Field(key: "maximum") public var maximum: Int
    @Field(key: "step") public var step: Int
    @Field(key: "position") public var position: Int
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), planID: UUID, kind: AddonKind, name: String, included: Int, minimum: Int, maximum: Int,
        step: Int, position: Int = 0, createdAt: Date
    ) {
        self.id = id
        self.planID = planID
        self.kind = kind
        self.name = name
        self.included = included
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
        self.position = position
        self.createdAt = createdAt
    }
}

/// The price of a plan (per period) or of one unit of an add-on (per period) in one currency,
/// in 1/10 000 of the unit. A period without a row is not offered.
public final class PriceRecord: Model, @unchecked Sendable {
    public static let schema = "catalog_prices"

    @ID(key: .id) public var id: UUID?
    /// The plan's or the add-on's id.
    @Field(key: "owner_id") public var ownerID: UUID
    @Field(key: "period") public var period: BillingPeriod
    @Field(key: "currency") public var currency: Currency
    @Field(key: "amount") public var amount: Int64

    public init() {}

    public init(id: UUID = .timeOrdered(), ownerID: UUID, period: BillingPeriod, currency: Currency, amount: Int64) {
        self.id = id
        self.ownerID = ownerID
        self.period = period
        self.currency = currency
        self.amount = amount
    }
}

/// A promo code: percent (basis points) or fixed amount off the first payment.
public final class PromoCodeRecord: Model, @unchecked Sendable {
    public static let schema = "promo_codes"

    @ID(key: .id) public var id: UUID?
    /// Stored upper-case; clients type it in any case.
    @Field(key: "code") public var code: String
    @Field(key: "kind") public var kind: PromoKind
    /// Basis points for `percent`, 1/10 000 units for `fixed`.
    @Field(key: "value") public var value: Int64
    @OptionalField(key: "currency") public var currency: Currency?
    /// The plan it applies to; `nil` for every plan.
    @OptionalField(key: "plan_id") public var planID: UUID?
    @OptionalField(key: "valid_from") public var validFrom: String?
    @OptionalField(key: "valid_until") public var validUntil: String?
    @OptionalField(key: "usage_limit") public var usageLimit: Int?
    @Field(key: "once_per_client") public var oncePerClient: Bool
    @Field(key: "enabled") public var enabled: Bool
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), code: String, kind: PromoKind, value: Int64, currency: Currency?, planID: UUID?,
        validFrom: String?, validUntil: String?, usageLimit: Int?, oncePerClient: Bool, createdAt: Date
    ) {
        self.id = id
        self.code = code
        self.kind = kind
        self.value = value
        self.currency = currency
        self.planID = planID
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.usageLimit = usageLimit
        self.oncePerClient = oncePerClient
        self.enabled = true
        self.createdAt = createdAt
    }
}

/// One use of a promo code on a paid order item; the unique index on the item makes a retried
/// checkout count once.
public final class PromoRedemptionRecord: Model, @unchecked Sendable {
    public static let schema = "promo_redemptions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "promo_id") public var promoID: UUID
    @Field(key: "account_id") public var accountID: UUID
    @Field(key: "order_item_id") public var orderItemID: UUID
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), promoID: UUID, accountID: UUID, orderItemID: UUID, createdAt: Date) {
        self.id = id
        self.promoID = promoID
        self.accountID = accountID
        self.orderItemID = orderItemID
        self.createdAt = createdAt
    }
}
