/// The length of one paid period of a service.
public enum BillingPeriod: String, Sendable, Codable, CaseIterable, Hashable {
    case day, month, quarter
    case halfYear = "half_year"
    case year

    /// The period in calendar months; `nil` for daily billing.
    public var months: Int? {
        switch self {
        case .day: nil
        case .month: 1
        case .quarter: 3
        case .halfYear: 6
        case .year: 12
        }
    }

    /// The end of the `count`-th period after `anchor` (exclusive end, i.e. the first unpaid day).
    /// Periods are always counted from the anchor, never chained, so a service opened on 31 Jan
    /// runs to 28 Feb, then to 31 Mar, not to 28 Mar: clamping in February does not stick.
    public func end(from anchor: LocalDate, periods count: Int = 1) -> LocalDate {
        switch months {
        case nil: anchor.adding(days: count)
        case let months?: anchor.adding(months: months * count)
        }
    }
}
