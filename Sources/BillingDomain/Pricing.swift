/// How the provider lines up renewal dates (CAT-2): not at all (each service renews on the
/// day it was ordered) or on the first day of a month, with the time until then prorated.
public enum BillingAlignment: String, Sendable, Codable, CaseIterable, Hashable {
    case none
    case firstOfMonth = "first_of_month"
}

/// Proration: the share of a period that is left. Counted in whole billing days, so the same
/// day gives the same amount in any time zone and on DST days.
public enum Proration {
    /// The first paid period of a service ordered on `today`: where it ends and which share of a
    /// full period it is. Without alignment (or for daily billing) it is one full period; with
    /// alignment it ends on the next first of a month, and the share is the days until then
    /// over the days of the period that ends there (17/31 from 15 January to 1 February).
    public static func firstPeriod(
        orderedOn today: LocalDate, period: BillingPeriod,
        alignment: BillingAlignment
    ) -> (end: LocalDate, share: Fraction) {
        guard alignment == .firstOfMonth, period != .day, today.day != 1 else {
            return (period.end(from: today), .one)
        }
        let end = LocalDate(year: today.year, month: today.month, day: 1)!.adding(months: 1)
        return (end, remainingShare(on: today, periodEnd: end, period: period))
    }

    /// The share of the period ending on `periodEnd` that is left on `today` (a resource added
    /// mid-period is charged for this share).
    public static func remainingShare(on today: LocalDate, periodEnd: LocalDate, period: BillingPeriod) -> Fraction {
        let start = periodStart(endingOn: periodEnd, period: period)
        let total = start.days(until: periodEnd)
        let left = max(0, min(total, today.days(until: periodEnd)))
        return Fraction(Int64(left), Int64(max(total, 1)))
    }

    /// The first day of the period that ends (exclusively) on `end`.
    public static func periodStart(endingOn end: LocalDate, period: BillingPeriod) -> LocalDate {
        switch period.months {
        case nil: end.adding(days: -1)
        case let months?: end.adding(months: -months)
        }
    }
}

/// A promo code's discount (CAT-3): a percentage or a fixed amount, taken off the first
/// payment of the items it applies to.
public enum PromoDiscount: Sendable, Hashable {
    case percent(basisPoints: Int64)
    case fixed(Money)

    /// The discount on `amount`, never more than the amount itself, rounded to the minor unit.
    /// A fixed discount in another currency gives nothing.
    public func discount(on amount: Money) -> Money {
        guard amount.isPositive else { return .zero(amount.currency) }
        switch self {
        case .percent(let points):
            return min(amount, amount.times(Fraction.basisPoints(points)).roundedToMinorUnit())
        case .fixed(let value):
            guard value.currency == amount.currency else { return .zero(amount.currency) }
            return min(amount, value.roundedToMinorUnit())
        }
    }
}

/// One line of a configuration's price, as the cart's details table shows it (seed 002):
/// the plan or a resource, its value, the price until the aligned date and per following period.
public struct QuoteLine: Sendable, Hashable, Codable {
    /// `plan` or the add-on's id.
    public let key: String
    public let name: String
    public let quantity: Int?
    public let included: Int?
    /// The catalog price of this line per full period.
    public let perPeriod: Money
    /// The price of this line for the first (possibly prorated) period, rounded to the minor unit.
    public let firstPeriod: Money

    public init(key: String, name: String, quantity: Int?, included: Int?, perPeriod: Money, firstPeriod: Money) {
        self.key = key
        self.name = name
        self.quantity = quantity
        self.included = included
        self.perPeriod = perPeriod
        self.firstPeriod = firstPeriod
    }
}

/// The price of one configuration, computed from the catalog on the server: what is due now
/// (after proration, trial and promo discount, with tax) and what each following period costs.
public struct Quote: Sendable, Hashable, Codable {
    public let lines: [QuoteLine]
    public let period: BillingPeriod
    /// The first paid period ends here (the aligned date, or one period after ordering).
    public let firstPeriodEnds: LocalDate
    /// Catalog amount of the first period before the discount.
    public let firstPeriodCatalog: Money
    public let discount: Money
    /// What is charged now.
    public let dueNow: TaxedAmount
    /// What each following period costs (without promo: promo codes apply to the first payment).
    public let perPeriod: TaxedAmount
    public let isTrial: Bool

    /// One priced part of a configuration before proration: the plan, or an add-on with its
    /// amount and what the plan includes.
    public typealias Component = (key: String, name: String, quantity: Int?, included: Int?, perPeriod: Money)

    /// Builds a quote. `lines` carry the per-period catalog amounts; the first-period amount of
    /// each line is its per-period amount times `share`, rounded per line as the cart shows it.
    public static func make(
        components: [Component],
        currency: Currency, period: BillingPeriod, firstPeriodEnds: LocalDate, share: Fraction,
        trial: Bool, promo: PromoDiscount?, taxRate: TaxRate, taxMode: TaxMode
    ) -> Quote {
        let lines = components.map { component in
            QuoteLine(
                key: component.key, name: component.name, quantity: component.quantity, included: component.included,
                perPeriod: component.perPeriod,
                firstPeriod: trial ? .zero(currency) : component.perPeriod.times(share).roundedToMinorUnit())
        }
        let first = Money.sum(lines.map(\.firstPeriod), currency: currency)
        let recurring = Money.sum(lines.map(\.perPeriod), currency: currency)
        let discount = promo?.discount(on: first) ?? .zero(currency)
        return Quote(
            lines: lines, period: period, firstPeriodEnds: firstPeriodEnds, firstPeriodCatalog: first,
            discount: discount,
            dueNow: TaxedAmount(catalogAmount: first - discount, rate: taxRate, mode: taxMode),
            perPeriod: TaxedAmount(catalogAmount: recurring, rate: taxRate, mode: taxMode),
            isTrial: trial)
    }
}
