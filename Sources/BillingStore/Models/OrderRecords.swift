import BillingDomain
import FluentKit
import Foundation

/// An order: the items of one checkout, waiting for payment (`pending`) or `paid` (CAT-4).
public final class OrderRecord: Model, @unchecked Sendable {
    public static let schema = "orders"

    @ID(key: .id) public var id: UUID?
    @Field(key: "account_id") public var accountID: UUID
    /// The number clients see, unique across the provider.
    @Field(key: "number") public var number: Int
    @Field(key: "status") public var status: OrderStatus
    @Field(key: "currency") public var currency: Currency
    /// What the order costs, tax included, in 1/10 000 units.
    @Field(key: "total") public var total: Int64
    @Field(key: "tax") public var tax: Int64
    /// How it is to be paid, fixed at checkout (CAT-5): `balance`, or a payment method's id.
    @Field(key: "payment_method") public var paymentMethod: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "paid_at") public var paidAt: Date?

    public init() {}

    public init(
        id: UUID = .timeOrdered(), accountID: UUID, number: Int, currency: Currency, total: Int64, tax: Int64,
        paymentMethod: String, createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.number = number
        self.status = .pending
        self.currency = currency
        self.total = total
        self.tax = tax
        self.paymentMethod = paymentMethod
        self.createdAt = createdAt
    }
}

/// A line of the cart (no order yet) or of an order: a new service with its configuration, or
/// the renewal of an existing service. Prices are never stored from a request: the quote is
/// computed from the catalog and frozen here only at checkout.
public final class OrderItemRecord: Model, @unchecked Sendable {
    public static let schema = "order_items"

    @ID(key: .id) public var id: UUID?
    @Field(key: "account_id") public var accountID: UUID
    @OptionalField(key: "order_id") public var orderID: UUID?
    @Field(key: "kind") public var kind: OrderItemKind
    @Field(key: "plan_id") public var planID: UUID
    /// The service a renewal extends, or the service a paid new item opened.
    @OptionalField(key: "service_id") public var serviceID: UUID?
    @Field(key: "period") public var period: BillingPeriod
    @Field(key: "domain_name") public var domainName: String
    @Field(key: "os_image") public var osImage: String
    /// Add-on quantities as JSON: `{"<addon id>": 2048}`.
    @Field(key: "addons") public var addons: String
    @Field(key: "trial") public var trial: Bool
    @OptionalField(key: "promo_code") public var promoCode: String?
    /// The frozen quote (JSON of `Quote`), set at checkout.
    @OptionalField(key: "quote") public var quote: String?
    @Field(key: "amount") public var amount: Int64
    @Field(key: "tax") public var tax: Int64
    @Field(key: "created_at") public var createdAt: Date
    /// A quick order (CAT-4): a server ordered without its name, which the client gives after
    /// paying ("configuration required").
    @Field(key: "quick") public var quick: Bool

    public init() {}

    public init(
        id: UUID = .timeOrdered(), accountID: UUID, kind: OrderItemKind, planID: UUID, serviceID: UUID? = nil, period: BillingPeriod,
        domainName: String, osImage: String, addons: String, trial: Bool, promoCode: String?, quick: Bool = false, createdAt: Date
    ) {
        self.quick = quick
        self.id = id
        self.accountID = accountID
        self.kind = kind
        self.planID = planID
        self.serviceID = serviceID
        self.period = period
        self.domainName = domainName
        self.osImage = osImage
        self.addons = addons
        self.trial = trial
        self.promoCode = promoCode
        self.amount = 0
        self.tax = 0
        self.createdAt = createdAt
    }
}
