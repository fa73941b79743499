import BillingDomain
import BillingStore
import Foundation

/// A payment as the client and staff areas see it (an invoice to the client): typed, with its
/// amounts as `Money`. The edge reads these, never the stored rows.
public struct Payment: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let accountID: UUID
    /// The number clients see, unique across the provider.
    public let number: Int
    /// `nil` for cashback, which no method pays.
    public let methodID: UUID?
    /// The method's kind when the payment was made (the method may be edited later), or cashback.
    public let channel: PaymentChannel
    public let purpose: PaymentPurpose
    public let orderID: UUID?
    public let serviceID: UUID?
    public let payerID: UUID?
    /// What reaches the balance.
    public let amount: Money
    public let commission: Money
    /// What the payer pays: amount + commission.
    public let total: Money
    public let cashback: Money
    public let refunded: Money
    public let status: PaymentStatus
    /// Why the gateway declined, in its words.
    public let failure: String?
    /// The gateway's own id of the payment, for staff matching it in the gateway's dashboard.
    public let gatewayPaymentID: String?
    /// The gateway's page was opened for it (the payer may be paying right now).
    public let hasGatewaySession: Bool
    public let createdAt: Date
    public let creditedAt: Date?
    /// A confirmed bank transfer: who confirmed it, the day the money arrived, the bank's reference.
    public let confirmedBy: Initiator?
    public let receivedOn: LocalDate?
    public let bankReference: String?

    public var currency: Currency { amount.currency }
    /// What may still be refunded: the amount less what was refunded.
    public var refundable: Money { amount - refunded }
    /// Staff may refund a credited payment that is not itself cashback, while something is left.
    public var isRefundable: Bool { status == .credited && purpose != .cashback && refundable.isPositive }
    /// Staff confirm a bank transfer's money while it may still arrive.
    public var awaitsBankTransfer: Bool { channel == .method(.bankTransfer) && status.acceptsMoney }

    init(_ record: PaymentRecord, fallback: Currency) {
        id = record.id!
        accountID = record.accountID
        number = record.number
        methodID = record.methodID
        channel = record.channel
        purpose = record.purpose
        orderID = record.orderID
        serviceID = record.serviceID
        payerID = record.payerID
        amount = record.money(\.amount)
        commission = record.money(\.commission)
        total = record.money(\.total)
        cashback = record.money(\.cashback)
        refunded = record.money(\.refunded)
        confirmedBy = record.confirmedBy.flatMap(Initiator.init(stored:))
        receivedOn = record.receivedOn.flatMap(LocalDate.init(iso:))
        bankReference = record.bankReference
        status = record.status
        failure = record.failure
        hasGatewaySession = record.redirectURL != nil
        gatewayPaymentID = record.gatewayPaymentID
        createdAt = record.createdAt
        creditedAt = record.creditedAt
    }
}

/// Who pays an invoice (a person or a company of the account).
public struct Payer: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let kind: PayerKind
    public let name: String

    init(_ record: PayerRecord) {
        id = record.id!
        kind = record.kind
        name = record.name
    }
}

/// A refund of a credited payment, made by staff.
public struct Refund: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let paymentID: UUID
    public let amount: Money
    public let reason: String
    public let createdAt: Date
    /// Who refunded (staff, or the API's staff token).
    public let actor: Initiator?

    init(_ record: RefundRecord, currency: Currency) {
        id = record.id!
        paymentID = record.paymentID
        amount = record.money(\.amount)
        reason = record.reason
        createdAt = record.createdAt
        actor = Initiator(stored: record.actor)
    }
}

/// The client a payment belongs to, as staff see it beside the payment.
public struct PaymentClient: Sendable, Hashable {
    public let accountID: UUID
    public let clientCode: Int?
    public let accountName: String?
    public let ownerName: String?
    public let ownerEmail: String?
}

/// An order a payment is made for: its frozen total and the method it was checked out with.
public struct OrderToPay: Sendable, Hashable {
    public let id: UUID
    public let number: Int
    public let total: Money
    public let methodID: UUID?
    public let status: OrderStatus
}

/// A payment method kept at a gateway for later charges (FIN-8), as its owner sees it.
public struct SavedMethod: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let methodID: UUID
    /// The gateway's kind (`stripe`, `sandbox`…).
    public let gateway: String
    /// What the gateway shows of it ("Visa •••• 4242").
    public let label: String
    /// The name the client gave it.
    public let name: String
    public let status: SavedMethodStatus
    public let lastError: String?
    public let createdAt: Date

    init(_ record: SavedMethodRecord) {
        id = record.id!
        methodID = record.methodID
        gateway = record.gateway
        label = record.label
        name = record.name
        status = record.status
        lastError = record.lastError
        createdAt = record.createdAt
    }
}

/// The account's autopayment (FIN-9): which saved method tops the balance up, and at most how much
/// a month.
public struct AutopaySetting: Sendable, Hashable {
    public let savedMethodID: UUID
    public let monthlyMaximum: Money
    public let enabled: Bool

    init(_ record: AutopaySettingRecord, fallback: Currency) {
        savedMethodID = record.savedMethodID
        monthlyMaximum = record.money(\.monthlyMaximum)
        enabled = record.enabled
    }
}
