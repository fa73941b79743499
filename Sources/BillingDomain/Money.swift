/// An amount of money: an integer count of 1/10 000 of the currency's unit plus the currency.
/// Four places are kept because expenses are prorated to fractions of a kopeck; amounts are
/// rounded to the minor unit only by `roundedToMinorUnit()`, at the documented points.
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    /// 1/10 000 of a unit: `units == 12_345_600` is 1 234.56.
    public let units: Int64
    public let currency: Currency

    public static let unitsPerMajor: Int64 = 10_000

    public init(units: Int64, currency: Currency) {
        self.units = units
        self.currency = currency
    }

    /// Whole minor units (kopecks, cents): `Money(minor: 123456, .RUB)` is 1 234,56 ₽.
    public init(minor: Int64, _ currency: Currency) {
        self.init(units: minor * currency.unitsPerMinor, currency: currency)
    }

    /// Whole major units: `Money(major: 100, .EUR)` is €100.00.
    public init(major: Int64, _ currency: Currency) {
        self.init(units: major * Money.unitsPerMajor, currency: currency)
    }

    public static func zero(_ currency: Currency) -> Money { Money(units: 0, currency: currency) }

    public var isZero: Bool { units == 0 }
    public var isNegative: Bool { units < 0 }
    public var isPositive: Bool { units > 0 }
    public var negated: Money { Money(units: -units, currency: currency) }
    public var absolute: Money { Money(units: abs(units), currency: currency) }

    /// Whether the amount is a whole number of minor units (nothing beyond the kopeck).
    public var isWholeMinorUnits: Bool { units % currency.unitsPerMinor == 0 }

    /// The amount in minor units; the amount must already be rounded to the minor unit.
    public var minorUnits: Int64 {
        precondition(isWholeMinorUnits, "minorUnits of an unrounded amount; call roundedToMinorUnit() first")
        return units / currency.unitsPerMinor
    }

    /// Rounds to the currency's minor unit (kopeck, cent), half away from zero. This is the only
    /// rounding of money in the platform: line totals, tax per rate and payment amounts pass here.
    public func roundedToMinorUnit() -> Money {
        let step = currency.unitsPerMinor
        return Money(units: Rounding.divideHalfUp(units, by: step) * step, currency: currency)
    }

    /// The amount times a whole quantity (three IPv4 addresses at 150 ₽).
    public func times(_ quantity: Int) -> Money {
        let (product, overflow) = units.multipliedReportingOverflow(by: Int64(quantity))
        precondition(!overflow, "amount out of range")
        return Money(units: product, currency: currency)
    }

    /// The amount times a whole quantity, or `nil` when the product would leave the range the
    /// platform accepts for one amount (`MoneyLimits.maximumAmount`): for quantities and prices
    /// that come from outside, refused rather than trapped.
    public func multipliedWithinLimits(by quantity: Int) -> Money? {
        let (product, overflow) = units.multipliedReportingOverflow(by: Int64(quantity))
        guard !overflow else { return nil }
        let result = Money(units: product, currency: currency)
        return MoneyLimits.allows(result) ? result : nil
    }

    /// The amount converted into `target` at `rate` (units of `target` per unit of this currency),
    /// kept to 1/10 000 with half-up rounding, or `nil` when the result would not fit in 64 bits.
    public func converted(to target: Currency, by rate: Fraction) -> Money? {
        Rounding.multiplyHalfUpIfRepresentable(units, rate.numerator, rate.denominator).map { Money(units: $0, currency: target) }
    }

    /// The amount times a rational factor (10/31 of a month, 20 % VAT), kept to 1/10 000 with
    /// half-up rounding; round to the minor unit separately where a document needs it.
    public func times(_ factor: Fraction) -> Money {
        Money(units: Rounding.multiplyHalfUp(units, factor.numerator, factor.denominator), currency: currency)
    }

    /// Splits the amount into `parts` shares that add up exactly to it, in minor units, the
    /// first shares taking the leftover kopecks.
    public func allocated(into parts: Int) -> [Money] {
        precondition(parts > 0, "allocation needs at least one part")
        let rounded = roundedToMinorUnit()
        let minor = rounded.units / currency.unitsPerMinor
        let base = minor / Int64(parts)
        let extra = minor - base * Int64(parts)
        return (0..<parts).map { index in
            let share = base + (Int64(index) < abs(extra) ? (extra < 0 ? -1 : 1) : 0)
            return Money(minor: share, currency)
        }
    }

    public var description: String { MoneyFormat.plain(self) + " " + currency.code }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "cannot add \(rhs.currency) to \(lhs.currency)")
        return Money(units: lhs.units + rhs.units, currency: lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "cannot subtract \(rhs.currency) from \(lhs.currency)")
        return Money(units: lhs.units - rhs.units, currency: lhs.currency)
    }

    public static prefix func - (value: Money) -> Money { value.negated }

    public static func += (lhs: inout Money, rhs: Money) { lhs = lhs + rhs }
    public static func -= (lhs: inout Money, rhs: Money) { lhs = lhs - rhs }

    /// Sums amounts of one currency; the empty sum is zero in `currency`.
    public static func sum(_ amounts: some Sequence<Money>, currency: Currency) -> Money {
        amounts.reduce(.zero(currency), +)
    }
}

extension Money: Comparable {
    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "cannot compare \(lhs.currency) with \(rhs.currency)")
        return lhs.units < rhs.units
    }
}
