import BillingDomain
import FluentKit
import Foundation

/// A service a client has: a server, a hosting account, a domain … with its configuration, its
/// paid period and its status (SVC-1, SVC-2).
public final class ServiceRecord: Model, @unchecked Sendable {
    public static let schema = "services"

    @ID(key: .id) public var id: UUID?
    @Field(key: "account_id") public var accountID: UUID
    /// A short number clients see in lists ("#3461").
    @Field(key: "number") public var number: Int
    @Field(key: "plan_id") public var planID: UUID
    @Field(key: "product_type") public var productType: ProductType
    @Field(key: "plan_name") public var planName: String
    @Field(key: "domain_name") public var domainName: String
    @Field(key: "os_image") public var osImage: String
    /// Add-on quantities as JSON: `{"<addon id>": 2048}`.
    @Field(key: "addons") public var addons: String
    @Field(key: "status") public var status: ServiceStatus
    /// `ProcessingOperation` while `processing`.
    @OptionalField(key: "operation") public var operation: ProcessingOperation?
    @Field(key: "period") public var period: BillingPeriod
    @Field(key: "currency") public var currency: Currency
    /// The catalog price of one period of this configuration (1/10 000 units), fixed when the
    /// service was ordered or changed; renewals charge it, taxed at the payer's rate.
    @Field(key: "recurring_amount") public var recurringAmount: Int64
    @Field(key: "auto_renew") public var autoRenew: Bool
    /// The saved payment method the renewal is charged to (FIN-7); `nil`: the balance.
    @OptionalField(key: "saved_method_id") public var savedMethodID: UUID?
    /// Periods are counted from this date so month ends do not drift (see `BillingPeriod`).
    @Field(key: "anchor_on") public var anchorOn: String
    @Field(key: "periods_paid") public var periodsPaid: Int
    /// The first day that is not paid: `BillingPeriod.end(from: anchor, periods: periodsPaid)`.
    @Field(key: "expires_on") public var expiresOn: String
    @Field(key: "is_trial") public var isTrial: Bool
    @OptionalField(key: "ip_address") public var ipAddress: String?
    /// The billing date the service expired unpaid; deletion counts the grace period from it.
    @OptionalField(key: "expired_on") public var expiredOn: String?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), accountID: UUID, number: Int, planID: UUID, productType: ProductType, planName: String,
        domainName: String, osImage: String, addons: String, status: ServiceStatus, period: BillingPeriod, currency: Currency,
        recurringAmount: Int64, autoRenew: Bool, anchorOn: String, periodsPaid: Int, expiresOn: String,
        isTrial: Bool, createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.number = number
        self.planID = planID
        self.productType = productType
        self.planName = planName
        self.domainName = domainName
        self.osImage = osImage
        self.addons = addons
        self.status = status
        self.period = period
        self.currency = currency
        self.recurringAmount = recurringAmount
        self.autoRenew = autoRenew
        self.anchorOn = anchorOn
        self.periodsPaid = periodsPaid
        self.expiresOn = expiresOn
        self.isTrial = isTrial
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

/// One change in a service's history: every status change with who made it and when.
public final class ServiceEventRecord: Model, @unchecked Sendable {
    public static let schema = "service_events"

    @ID(key: .id) public var id: UUID?
    @Field(key: "service_id") public var serviceID: UUID
    @Field(key: "at") public var at: Date
    /// `ServiceEvent.name`, or `renewed`, `changed`, `period_changed`.
    @Field(key: "event") public var event: String
    @OptionalField(key: "from_status") public var fromStatus: ServiceStatus?
    @Field(key: "to_status") public var toStatus: ServiceStatus
    /// `client:<user id>`, `staff:<id>`, `system`.
    @Field(key: "actor") public var actor: String
    @Field(key: "note") public var note: String

    public init() {}

    public init(
        id: UUID = .timeOrdered(), serviceID: UUID, at: Date, event: String, fromStatus: ServiceStatus?, toStatus: ServiceStatus,
        actor: Initiator, note: String = ""
    ) {
        self.id = id
        self.serviceID = serviceID
        self.at = at
        self.event = event
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.actor = actor.stored
        self.note = note
    }
}

/// A charge (FIN-5): what was charged for which service and period, the tax in it, the part not
/// yet paid, and the ledger transaction that paid it.
public final class ExpenseRecord: Model, @unchecked Sendable {
    public static let schema = "expenses"

    @ID(key: .id) public var id: UUID?
    @Field(key: "account_id") public var accountID: UUID
    @OptionalField(key: "service_id") public var serviceID: UUID?
    @Field(key: "description") public var summary: String
    /// The billing date of the charge, `YYYY-MM-DD`.
    @Field(key: "charged_on") public var chargedOn: String
    @OptionalField(key: "period_from") public var periodFrom: String?
    @OptionalField(key: "period_to") public var periodTo: String?
    /// Gross amount, tax included, rounded to the minor unit (1/10 000 units).
    @Field(key: "amount") public var amount: Int64
    @Field(key: "tax") public var tax: Int64
    @Field(key: "tax_rate") public var taxRate: Int64
    @Field(key: "currency") public var currency: Currency
    @Field(key: "paid_amount") public var paidAmount: Int64
    @OptionalField(key: "ledger_transaction_id") public var ledgerTransactionID: UUID?
    /// `renew:<service>:<period start>`, `order:<item>`, `change:<service>:<request key>` …
    @Field(key: "idempotency_key") public var idempotencyKey: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), accountID: UUID, serviceID: UUID?, summary: String, chargedOn: String,
        periodFrom: String?, periodTo: String?, amount: Int64, tax: Int64, taxRate: Int64, currency: Currency,
        paidAmount: Int64, ledgerTransactionID: UUID?, idempotencyKey: String, createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.serviceID = serviceID
        self.summary = summary
        self.chargedOn = chargedOn
        self.periodFrom = periodFrom
        self.periodTo = periodTo
        self.amount = amount
        self.tax = tax
        self.taxRate = taxRate
        self.currency = currency
        self.paidAmount = paidAmount
        self.ledgerTransactionID = ledgerTransactionID
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
    }
}

/// A daily job (the renewal pass of one billing date): leased by one runner at a time and done
/// once. The unique (kind, run_on) makes the day's job exist once across all instances.
public final class ScheduledJobRecord: Model, @unchecked Sendable {
    public static let schema = "scheduled_jobs"

    @ID(key: .id) public var id: UUID?
    @Field(key: "kind") public var kind: String
    @Field(key: "run_on") public var runOn: String
    @Field(key: "status") public var status: ScheduledJobStatus
    @OptionalField(key: "lease_owner") public var leaseOwner: String?
    @OptionalField(key: "lease_until") public var leaseUntil: Date?
    @Field(key: "attempts") public var attempts: Int
    @OptionalField(key: "last_error") public var lastError: String?
    @OptionalField(key: "summary") public var summary: String?
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "finished_at") public var finishedAt: Date?

    public init() {}

    public init(id: UUID = .timeOrdered(), kind: String, runOn: String, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.runOn = runOn
        self.status = .pending
        self.attempts = 0
        self.createdAt = createdAt
    }
}

/// An exchange rate set by staff: one unit of `base` costs `rate` (millionths) of `quote`.
/// Append-only: the newest row of a pair is the rate in force.
public final class CurrencyRateRecord: Model, @unchecked Sendable {
    public static let schema = "currency_rates"

    @ID(key: .id) public var id: UUID?
    @Field(key: "base") public var base: Currency
    @Field(key: "quote") public var quote: Currency
    /// The rate in millionths: 41.25 is 41 250 000.
    @Field(key: "rate_micros") public var rateMicros: Int64
    @Field(key: "set_by") public var setBy: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), base: Currency, quote: Currency, rateMicros: Int64, setBy: String, createdAt: Date) {
        self.id = id
        self.base = base
        self.quote = quote
        self.rateMicros = rateMicros
        self.setBy = setBy
        self.createdAt = createdAt
    }
}
