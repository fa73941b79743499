import BillingDomain
import BillingStore
import Foundation

/// A text English staff wrote, with the translations they added (a plan's name, a resource's).
public struct LocalizedText: Sendable, Hashable {
    public let english: String
    public let translations: [Language: String]

    public init(english: String, translations: [Language: String] = [:]) {
        self.english = english
        self.translations = translations
    }

    /// The text in `language`, or English when it was not translated.
    public func text(in language: Language) -> String {
        guard let value = translations[language], !value.trimmingCharacters(in: .whitespaces).isEmpty else { return english }
        return value
    }
}

extension PlanRecord {
    var localizedName: LocalizedText {
        LocalizedText(
            english: name, translations: Dictionary(uniqueKeysWithValues: Translations.languages.map { ($0, translation("name", $0)) }))
    }
}

/// How an order is paid, fixed at checkout (CAT-5): the balance, or one payment method.
public enum OrderPaymentMethod: Sendable, Hashable {
    case balance
    case method(UUID)

    init(stored: String) {
        self = UUID(uuidString: stored).map(OrderPaymentMethod.method) ?? .balance
    }
}

/// An order as the client area shows it.
public struct Order: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let number: Int
    public let status: OrderStatus
    public let total: Money
    public let tax: Money
    public let method: OrderPaymentMethod
    public let createdAt: Date
    public let paidAt: Date?

    public var currency: Currency { total.currency }
    /// Paid from the balance while pending: the client area offers "Pay" (and "Top up" for a shortfall).
    public var isPayableFromBalance: Bool { status == .pending && method == .balance }

    init(_ record: OrderRecord, fallback: Currency) {
        id = record.id!
        number = record.number
        status = record.status
        total = record.money(\.total)
        tax = record.money(\.tax)
        method = OrderPaymentMethod(stored: record.paymentMethod)
        createdAt = record.createdAt
        paidAt = record.paidAt
    }
}

/// An item of the cart or of an order.
public struct OrderItem: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let orderID: UUID?
    public let kind: OrderItemKind
    public let planID: UUID
    public let serviceID: UUID?
    public let period: BillingPeriod
    public let domainName: String
    public let osImage: String
    public let addons: [UUID: Int]
    public let trial: Bool
    public let promoCode: String?
    /// A quick order: the server is named after it is paid (CAT-4).
    public let quick: Bool
    /// The price frozen at checkout (zero in the cart, which prices afresh).
    public let amount: Money
    public let tax: Money
    public let createdAt: Date

    /// The configuration the item was made from, to open its form again (edited there, a quick
    /// order asks for the name like any other).
    public var configuration: OrderConfiguration {
        OrderConfiguration(
            planID: planID, period: period, addons: addons, domainName: domainName, osImage: osImage, trial: trial, promoCode: promoCode)
    }

    init(_ record: OrderItemRecord, currency: Currency) {
        id = record.id!
        orderID = record.orderID
        kind = record.kind
        planID = record.planID
        serviceID = record.serviceID
        period = record.period
        domainName = record.domainName
        osImage = record.osImage
        addons = OrderConfiguration.addons(fromJSON: record.addons)
        trial = record.trial
        promoCode = record.promoCode
        quick = record.quick
        amount = Money(units: record.amount, currency: currency)
        tax = Money(units: record.tax, currency: currency)
        createdAt = record.createdAt
    }
}
