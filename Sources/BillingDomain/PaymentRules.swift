import Foundation

/// How a payment method takes money (FIN-3).
public enum PaymentMethodKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// The client's balance ("personal account"): pays orders, never tops itself up.
    case balance
    /// A bank transfer by invoice; staff confirm that the money arrived.
    case bankTransfer = "bank_transfer"
    /// The card gateway that ships with the product (its own pay page and signed webhooks).
    case sandbox
    case stripe
    case yookassa

    /// Whether the money comes through an online gateway with a redirect and webhooks; gateways
    /// also keep cards for later off-session charges (FIN-8).
    public var isGateway: Bool { self == .sandbox || self == .stripe || self == .yookassa }
}

/// A payment's (an invoice's) life (FIN-3): New → Being paid → Credited, or Cancelled; a credited
/// payment refunded in full becomes Refunded.
public enum PaymentStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case new
    case beingPaid = "being_paid"
    case credited
    case cancelled
    case refunded

    /// Statuses from which money arriving from the gateway is credited. A cancelled payment is
    /// among them: a client who abandoned the page and paid after all has paid.
    public var acceptsMoney: Bool { self == .new || self == .beingPaid || self == .cancelled }
    /// Unpaid in the client's invoice list.
    public var isUnpaid: Bool { self == .new || self == .beingPaid }
}

/// The state of a payment method kept at a gateway (FIN-8).
public enum SavedMethodStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case enabled
    case beingSetUp = "being_set_up"
    case notWorking = "not_working"
}

/// Who pays: a private person or a company (the full payer entity comes with documents).
public enum PayerKind: String, Sendable, Codable, CaseIterable, Hashable {
    case person
    case company
}

/// A percentage kept in basis points (2.5 % = 250), for commissions and cashback.
public struct Percentage: Sendable, Hashable, Codable, CustomStringConvertible {
    public let basisPoints: Int64

    public init(basisPoints: Int64) { self.basisPoints = max(0, basisPoints) }

    public static let zero = Percentage(basisPoints: 0)

    /// `amount × percentage`, rounded half-up to the minor unit.
    public func of(_ amount: Money) -> Money {
        Money(units: Rounding.multiplyHalfUp(amount.units, basisPoints, 10_000), currency: amount.currency).roundedToMinorUnit()
    }

    /// "2.5", "3", "0.25": how staff type it and read it back.
    public var description: String {
        let whole = basisPoints / 100
        let fraction = basisPoints % 100
        if fraction == 0 { return "\(whole)" }
        return fraction % 10 == 0 ? "\(whole).\(fraction / 10)" : "\(whole).\(String(format: "%02d", fraction))"
    }

    /// Parses "2.5" or "2,5" (at most two decimals, 0 to 100).
    public init?(text: String) {
        let cleaned = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
        if cleaned.isEmpty {
            self = .zero
            return
        }
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0]), whole >= 0 else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = String(parts[1])
            guard (1...2).contains(digits.count), let value = Int64(digits) else { return nil }
            fraction = digits.count == 1 ? value * 10 : value
        }
        let points = whole * 100 + fraction
        guard points <= 10_000 else { return nil }
        self.init(basisPoints: points)
    }
}

/// The money terms of a payment method: commission (percent + fixed), limits, cashback (FIN-3).
public struct PaymentTerms: Sendable, Hashable {
    public var commissionPercent: Percentage
    public var commissionFixed: Money
    public var minimum: Money?
    public var maximum: Money?
    public var cashbackPercent: Percentage

    public init(
        commissionPercent: Percentage = .zero, commissionFixed: Money, minimum: Money? = nil, maximum: Money? = nil,
        cashbackPercent: Percentage = .zero
    ) {
        self.commissionPercent = commissionPercent
        self.commissionFixed = commissionFixed
        self.minimum = minimum
        self.maximum = maximum
        self.cashbackPercent = cashbackPercent
    }

    /// What the payer pays for `amount` to reach the balance: the commission is added on top,
    /// so the balance receives exactly `amount`; cashback is credited separately afterwards.
    public func amounts(for amount: Money) throws(PaymentTermsError) -> PaymentAmounts {
        guard amount.currency == commissionFixed.currency else { throw .wrongCurrency(expected: commissionFixed.currency) }
        guard amount.isPositive else { throw .notPositive }
        guard amount.isWholeMinorUnits else { throw .notWholeMinorUnits }
        if let minimum, amount < minimum { throw .belowMinimum(minimum) }
        if let maximum, maximum.isPositive, maximum < amount { throw .aboveMaximum(maximum) }
        let commission = commissionPercent.of(amount) + commissionFixed.roundedToMinorUnit()
        return PaymentAmounts(
            amount: amount, commission: commission, total: amount + commission,
            cashback: cashbackPercent.of(amount))
    }
}

/// The amounts of one payment, all rounded to the minor unit.
public struct PaymentAmounts: Sendable, Hashable, Codable {
    /// What reaches the client's balance.
    public let amount: Money
    /// The method's commission, paid on top.
    public let commission: Money
    /// What the payer pays the gateway: amount + commission.
    public let total: Money
    /// Credited as its own payment after this one is credited.
    public let cashback: Money
}

/// When a subscription is charged from a saved method (FIN-9): one day before the service
/// expires, sixty for domains and SSL certificates, which must be renewed at the registry early.
public enum SubscriptionSchedule {
    public static func leadDays(for type: ProductType) -> Int {
        type == .domain || type == .ssl ? 60 : 1
    }

    /// The first day a charge is attempted for a service expiring on `expiresOn`.
    public static func firstAttempt(expiresOn: LocalDate, type: ProductType) -> LocalDate {
        expiresOn.adding(days: -leadDays(for: type))
    }
}

/// Autopayment (FIN-10): how much to take from the saved method so the balance covers the next
/// renewals, never beyond what is left of the monthly maximum.
public enum Autopayment {
    /// The top-up needed now: what the spending rule says is missing before `needed` may be
    /// spent, capped by what the month still allows, in whole minor units (rounded up, so the
    /// shortfall is covered). Zero when nothing is needed or the cap is reached.
    public static func topUp(needed: Money, power: SpendingPower, monthlyMaximum: Money, alreadyThisMonth: Money) -> Money {
        let shortfall = power.shortfall(for: needed)
        guard shortfall.isPositive else { return .zero(needed.currency) }
        let step = needed.currency.unitsPerMinor
        let roundedUp = Money(units: (shortfall.units + step - 1) / step * step, currency: needed.currency)
        let room = monthlyMaximum - alreadyThisMonth
        guard room.isPositive else { return .zero(needed.currency) }
        return room < roundedUp ? room : roundedUp
    }

    /// The recommended monthly maximum: next month's forecast plus 10 %, rounded up to a whole
    /// currency unit.
    public static func recommendedMaximum(forecast: Money) -> Money {
        let withMargin = forecast.units + Rounding.multiplyHalfUp(forecast.units, 10, 100)
        let unit = Money.unitsPerMajor
        return Money(units: (withMargin + unit - 1) / unit * unit, currency: forecast.currency)
    }
}

extension PaymentTermsError: Refusal {
    public var code: String {
        switch self {
        case .notPositive, .notWholeMinorUnits: "amount_invalid"
        case .belowMinimum: "amount_below_minimum"
        case .aboveMaximum: "amount_above_maximum"
        case .wrongCurrency: "wrong_currency"
        }
    }

    public var textKey: String {
        switch self {
        case .notPositive, .notWholeMinorUnits: "error.payment.amount_invalid"
        case .belowMinimum: "error.payment.below_minimum"
        case .aboveMaximum: "error.payment.above_maximum"
        case .wrongCurrency: "error.order.currency"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .notPositive, .notWholeMinorUnits: [:]
        case .belowMinimum(let minimum): ["amount": .money(minimum)]
        case .aboveMaximum(let maximum): ["amount": .money(maximum)]
        case .wrongCurrency(let currency): ["currency": .text(currency.code)]
        }
    }
}

/// Why an amount cannot be paid with a method.
public enum PaymentTermsError: Error, Sendable, Equatable {
    case notPositive
    case belowMinimum(Money)
    case aboveMaximum(Money)
    case wrongCurrency(expected: Currency)
    case notWholeMinorUnits
}

/// What a payment came through: a payment method of some kind, or the platform's own cashback,
/// which no method pays. Stored as the method kind's raw value, or `cashback`.
public enum PaymentChannel: RawRepresentable, Sendable, Codable, Hashable {
    case method(PaymentMethodKind)
    case cashback

    public init?(rawValue: String) {
        if rawValue == "cashback" {
            self = .cashback
        } else if let kind = PaymentMethodKind(rawValue: rawValue) {
            self = .method(kind)
        } else {
            return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .method(let kind): kind.rawValue
        case .cashback: "cashback"
        }
    }

    /// The method's kind; `nil` for cashback.
    public var methodKind: PaymentMethodKind? {
        if case .method(let kind) = self { kind } else { nil }
    }

    public var isGateway: Bool { methodKind?.isGateway == true }

    /// Every channel, for staff's filter of the payment list.
    public static let all: [PaymentChannel] = PaymentMethodKind.allCases.map(PaymentChannel.method) + [.cashback]
}
