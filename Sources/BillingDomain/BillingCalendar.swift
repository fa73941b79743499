import Foundation

/// Turns instants into billing dates and back in the provider's time zone. Stored timestamps are
/// UTC; "which day is it" is always asked here, so a provider in Kyiv and one in Vladivostok bill
/// on their own midnight, and a 23-hour DST day is still one day of daily billing.
public struct BillingCalendar: Sendable {
    public let timeZone: TimeZone
    private let calendar: Calendar

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// The billing date an instant falls on.
    public func date(of instant: Date) -> LocalDate {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }

    /// The instant a billing date starts (local midnight, or the first existing moment of the
    /// day where DST skips midnight).
    public func startOf(_ date: LocalDate) -> Date {
        let components = DateComponents(year: date.year, month: date.month, day: date.day)
        let noon = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 12))!
        return calendar.date(from: components) ?? calendar.startOfDay(for: noon)
    }

    /// The length of a billing date in seconds: 86 400, or 82 800 / 90 000 on DST change days.
    public func secondsIn(_ date: LocalDate) -> TimeInterval {
        startOf(date.adding(days: 1)).timeIntervalSince(startOf(date))
    }

    /// The instant a given period ends: the start of the first day after it.
    public func endOfPeriod(_ period: BillingPeriod, from anchor: LocalDate, periods: Int = 1) -> Date {
        startOf(period.end(from: anchor, periods: periods))
    }
}
