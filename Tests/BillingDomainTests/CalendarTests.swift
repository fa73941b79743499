import BillingDomain
import Foundation
import Testing

@Suite("Billing periods and calendar")
struct CalendarTests {
    func date(_ text: String) -> LocalDate { LocalDate(iso: text)! }

    @Test func monthEndsClampAndDoNotDrift() {
        #expect(BillingPeriod.month.end(from: date("2026-01-31")) == date("2026-02-28"))
        #expect(BillingPeriod.month.end(from: date("2028-01-31")) == date("2028-02-29")) // leap year
        // Counted from the anchor: the third month ends on the 31st again, not on the 28th.
        #expect(BillingPeriod.month.end(from: date("2026-01-31"), periods: 2) == date("2026-03-31"))
        #expect(BillingPeriod.month.end(from: date("2026-01-31"), periods: 3) == date("2026-04-30"))
        #expect(BillingPeriod.quarter.end(from: date("2026-11-30")) == date("2027-02-28"))
        #expect(BillingPeriod.halfYear.end(from: date("2026-08-31")) == date("2027-02-28"))
        #expect(BillingPeriod.year.end(from: date("2028-02-29")) == date("2029-02-28"))
        #expect(BillingPeriod.year.end(from: date("2028-02-29"), periods: 4) == date("2032-02-29"))
        #expect(BillingPeriod.day.end(from: date("2026-12-31")) == date("2027-01-01"))
        #expect(BillingPeriod.day.end(from: date("2028-02-28"), periods: 2) == date("2028-03-01"))
    }

    @Test func localDatesCountDaysAcrossYears() {
        #expect(date("1970-01-01").daysSinceEpoch == 0)
        #expect(date("2026-11-21").daysSinceEpoch == 20_778)
        #expect(LocalDate(daysSinceEpoch: 20_778) == date("2026-11-21"))
        #expect(date("2028-02-01").days(until: date("2028-03-01")) == 29)
        #expect(date("2026-02-01").days(until: date("2026-03-01")) == 28)
        #expect(date("2026-12-31").adding(months: 2) == date("2027-02-28"))
        #expect(date("2026-03-31").adding(months: -1) == date("2026-02-28"))
        #expect(LocalDate(year: 2026, month: 2, day: 29) == nil)
        #expect(LocalDate(iso: "2026-13-01") == nil)
        #expect(date("2026-01-09") < date("2026-01-10"))
    }

    @Test func datesAreWrittenAsYearMonthDayWithLeadingZeros() {
        #expect(LocalDate(year: 2026, month: 3, day: 5)?.iso == "2026-03-05")
        #expect(LocalDate(year: 2026, month: 12, day: 31)?.iso == "2026-12-31")
        #expect(LocalDate(year: 987, month: 1, day: 1)?.iso == "0987-01-01")
        #expect(LocalDate(year: 12_026, month: 10, day: 10)?.iso == "12026-10-10")
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
        #expect(Hex.encode([]) == "")
    }

    @Test func billingDatesFollowTheProvidersTimeZone() {
        let kyiv = BillingCalendar(timeZone: TimeZone(identifier: "Europe/Kyiv")!)
        let utc = BillingCalendar(timeZone: TimeZone(identifier: "UTC")!)
        // 2026-01-31 23:30 UTC is already 1 February in Kyiv (UTC+2).
        let instant = Date(timeIntervalSince1970: 1_769_902_200)
        #expect(utc.date(of: instant) == date("2026-01-31"))
        #expect(kyiv.date(of: instant) == date("2026-02-01"))
        #expect(kyiv.startOf(date("2026-02-01")) == Date(timeIntervalSince1970: 1_769_896_800)) // 22:00 UTC the day before
    }

    @Test func dstDaysAreStillOneBillingDay() {
        let kyiv = BillingCalendar(timeZone: TimeZone(identifier: "Europe/Kyiv")!)
        #expect(kyiv.secondsIn(date("2026-03-29")) == 23 * 3600) // clocks go forward
        #expect(kyiv.secondsIn(date("2026-10-25")) == 25 * 3600) // clocks go back
        #expect(kyiv.secondsIn(date("2026-06-01")) == 24 * 3600)
        // A daily service opened on the spring-forward day is paid until the next local midnight.
        let end = kyiv.endOfPeriod(.day, from: date("2026-03-29"))
        #expect(kyiv.date(of: end) == date("2026-03-30"))
        #expect(end.timeIntervalSince(kyiv.startOf(date("2026-03-29"))) == 23 * 3600)
    }

    @Test func testClockMovesOnlyWhenTold() {
        let start = Date(timeIntervalSince1970: 1_768_467_600)
        let clock = TestClock(start)
        #expect(clock.now == start)
        clock.advance(days: 31)
        #expect(clock.now == start.addingTimeInterval(31 * 86_400))
        clock.set(start)
        #expect(clock.now == start)
        #expect(abs(SystemClock().now.timeIntervalSinceNow) < 5)
    }
}
