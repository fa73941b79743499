import BillingDomain
import FluentKit
import Foundation

/// A payment method the provider offers (FIN-3): the balance, bank transfer, or a gateway.
public final class PaymentMethodRecord: Model, @unchecked Sendable {
    public static let schema = "payment_methods"

    @ID(key: .id) public var id: UUID?
    /// `PaymentMethodKind`: balance, bank_transfer, sandbox, stripe, yookassa.
    @Field(key: "kind") public var kind: PaymentMethodKind
    @Field(key: "name") public var name: String
    /// Per-language descriptions (bank details for a transfer) as JSON: `{"en": "…", "ru": "…"}`.
    @Field(key: "descriptions") public var descriptions: String
    /// The name in other languages (`{"name.ru": …}`); descriptions keep their own column.
    @OptionalField(key: "translations") public var translations: String?
    @Field(key: "currency") public var currency: Currency
    @Field(key: "commission_bp") public var commissionBasisPoints: Int64
    @Field(key: "commission_fixed") public var commissionFixed: Int64
    @OptionalField(key: "minimum") public var minimum: Int64?
    @OptionalField(key: "maximum") public var maximum: Int64?
    @Field(key: "cashback_bp") public var cashbackBasisPoints: Int64
    /// Comma-separated `PayerKind`s that may use it.
    @Field(key: "payer_kinds") public var payerKinds: String
    @Field(key: "enabled") public var enabled: Bool
    @Field(key: "position") public var position: Int
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), kind: PaymentMethodKind, name: String, descriptions: String, currency: Currency,
        commissionBasisPoints: Int64,
        commissionFixed: Int64, minimum: Int64?, maximum: Int64?, cashbackBasisPoints: Int64, payerKinds: String,
        enabled: Bool, position: Int, createdAt: Date
    ) {
        self.id = id
        self.kind = kind
        self.name = name
        self.descriptions = descriptions
        self.currency = currency
        self.commissionBasisPoints = commissionBasisPoints
        self.commissionFixed = commissionFixed
        self.minimum = minimum
        self.maximum = maximum
        self.cashbackBasisPoints = cashbackBasisPoints
        self.payerKinds = payerKinds
        self.enabled = enabled
        self.position = position
        self.createdAt = createdAt
    }
}

/// Who pays (a person or a company); the full payer entity comes with documents.
public final class PayerRecord: Model, @unchecked Sendable {
    public static let schema = "payers"

    @ID(key: .id) public var id: UUID?
    @Field(key: "account_id") public var accountID: UUID
    @Field(key: "kind") public var kind: PayerKind
    @Field(key: "name") public var name: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), accountID: UUID, kind: PayerKind, name: String, createdAt: Date) {
        self.id = id
        self.accountID = accountID
        self.kind = kind
        self.name = name
        self.createdAt = createdAt
    }
}

/// A payment, which the client sees as an invoice (FIN-3, FIN-4): money to come in through a
/// method, its commission and total, and where it stands.
public final class PaymentRecord: Model, @unchecked Sendable {
    public static let schema = "payments"

    @ID(key: .id) public var id: UUID?
    @Field(key: "account_id") public var accountID: UUID
    /// The number clients see, unique across the provider.
    @Field(key: "number") public var number: Int
    /// `nil` for cashback, which no method pays.
    @OptionalField(key: "method_id") public var methodID: UUID?
    /// The method's kind at creation (the method may be edited later), or cashback.
    @Field(key: "method_kind") public var channel: PaymentChannel
    @Field(key: "purpose") public var purpose: PaymentPurpose
    @OptionalField(key: "order_id") public var orderID: UUID?
    @OptionalField(key: "service_id") public var serviceID: UUID?
    @OptionalField(key: "payer_id") public var payerID: UUID?
    @OptionalField(key: "saved_method_id") public var savedMethodID: UUID?
    /// The payment this cashback rewards.
    @OptionalField(key: "cashback_of") public var cashbackOf: UUID?
    @Field(key: "currency") public var currency: Currency
    /// What reaches the balance, in 1/10 000 units.
    @Field(key: "amount") public var amount: Int64
    @Field(key: "commission") public var commission: Int64
    /// What the payer pays: amount + commission.
    @Field(key: "total") public var total: Int64
    @Field(key: "cashback") public var cashback: Int64
    @Field(key: "refunded") public var refunded: Int64
    @Field(key: "status") public var status: PaymentStatus
    /// "Remember this method" was ticked.
    @Field(key: "save_method") public var saveMethod: Bool
    @OptionalField(key: "gateway_session_id") public var gatewaySessionID: String?
    @OptionalField(key: "gateway_payment_id") public var gatewayPaymentID: String?
    @OptionalField(key: "redirect_url") public var redirectURL: String?
    @OptionalField(key: "failure") public var failure: String?
    @Field(key: "idempotency_key") public var idempotencyKey: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "credited_at") public var creditedAt: Date?
    @OptionalField(key: "ledger_transaction_id") public var ledgerTransactionID: UUID?
    /// A bank transfer staff confirmed: who (`Initiator.stored`), the day the money arrived per
    /// the bank statement (`YYYY-MM-DD`), and the bank's reference of the transfer.
    @OptionalField(key: "confirmed_by") public var confirmedBy: String?
    @OptionalField(key: "received_on") public var receivedOn: String?
    @OptionalField(key: "bank_reference") public var bankReference: String?

    public init() {}

    public init(
        id: UUID = .timeOrdered(), accountID: UUID, number: Int, methodID: UUID?, channel: PaymentChannel, purpose: PaymentPurpose,
        currency: Currency, amount: Int64, commission: Int64, total: Int64, cashback: Int64, status: PaymentStatus,
        idempotencyKey: String, createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.number = number
        self.methodID = methodID
        self.channel = channel
        self.purpose = purpose
        self.currency = currency
        self.amount = amount
        self.commission = commission
        self.total = total
        self.cashback = cashback
        self.refunded = 0
        self.status = status
        self.saveMethod = false
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
    }
}

/// A refund of a credited payment (full or partial), made by staff.
public final class RefundRecord: Model, @unchecked Sendable {
    public static let schema = "refunds"

    @ID(key: .id) public var id: UUID?
    @Field(key: "payment_id") public var paymentID: UUID
    @Field(key: "amount") public var amount: Int64
    @Field(key: "currency") public var currency: Currency
    @OptionalField(key: "gateway_refund_id") public var gatewayRefundID: String?
    @Field(key: "reason") public var reason: String
    @Field(key: "actor") public var actor: String
    @Field(key: "idempotency_key") public var idempotencyKey: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), paymentID: UUID, amount: Int64, currency: Currency, gatewayRefundID: String?, reason: String,
        actor: Initiator, idempotencyKey: String, createdAt: Date
    ) {
        self.id = id
        self.paymentID = paymentID
        self.amount = amount
        self.currency = currency
        self.gatewayRefundID = gatewayRefundID
        self.reason = reason
        self.actor = actor.stored
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
    }
}

/// A card or wallet kept at a gateway for a client (FIN-8): only the gateway's token and a label.
public final class SavedMethodRecord: Model, @unchecked Sendable {
    public static let schema = "saved_methods"

    @ID(key: .id) public var id: UUID?
    @Field(key: "account_id") public var accountID: UUID
    /// The provider's payment method it was saved through.
    @Field(key: "method_id") public var methodID: UUID
    @Field(key: "gateway") public var gateway: String
    @OptionalField(key: "token") public var token: String?
    @OptionalField(key: "customer_id") public var customerID: String?
    /// "Visa •••• 4242", from the gateway.
    @Field(key: "label") public var label: String
    /// The client's own name for it.
    @Field(key: "name") public var name: String
    @Field(key: "status") public var status: SavedMethodStatus
    @OptionalField(key: "last_error") public var lastError: String?
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "deleted_at") public var deletedAt: Date?

    public init() {}

    public init(
        id: UUID = .timeOrdered(), accountID: UUID, methodID: UUID, gateway: String, token: String?, customerID: String?,
        label: String, name: String, status: SavedMethodStatus, createdAt: Date
    ) {
        self.id = id
        self.accountID = accountID
        self.methodID = methodID
        self.gateway = gateway
        self.token = token
        self.customerID = customerID
        self.label = label
        self.name = name
        self.status = status
        self.createdAt = createdAt
    }
}

/// A webhook event a gateway delivered, kept so a repeated delivery is recognised (unique per
/// gateway and event id) and so staff can see what came in.
public final class GatewayEventRecord: Model, @unchecked Sendable {
    public static let schema = "gateway_events"

    @ID(key: .id) public var id: UUID?
    @Field(key: "gateway") public var gateway: String
    @Field(key: "event_id") public var eventID: String
    @Field(key: "kind") public var kind: String
    @Field(key: "reference") public var reference: String
    @Field(key: "outcome") public var outcome: String
    @Field(key: "received_at") public var receivedAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), gateway: String, eventID: String, kind: String, reference: String, outcome: String, receivedAt: Date
    ) {
        self.id = id
        self.gateway = gateway
        self.eventID = eventID
        self.kind = kind
        self.reference = reference
        self.outcome = outcome
        self.receivedAt = receivedAt
    }
}

/// A client's autopayment (FIN-10): top the balance up from a saved method, within a monthly cap.
public final class AutopaySettingRecord: Model, @unchecked Sendable {
    public static let schema = "autopay_settings"

    /// The client account's id.
    @ID(custom: "account_id", generatedBy: .user) public var id: UUID?
    @Field(key: "saved_method_id") public var savedMethodID: UUID
    @Field(key: "monthly_maximum") public var monthlyMaximum: Int64
    @Field(key: "currency") public var currency: Currency
    @Field(key: "enabled") public var enabled: Bool
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public init(accountID: UUID, savedMethodID: UUID, monthlyMaximum: Int64, currency: Currency, enabled: Bool, updatedAt: Date) {
        self.id = accountID
        self.savedMethodID = savedMethodID
        self.monthlyMaximum = monthlyMaximum
        self.currency = currency
        self.enabled = enabled
        self.updatedAt = updatedAt
    }
}
