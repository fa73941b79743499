import BillingDomain
import Foundation
import Testing

/// The text forms records keep in their columns: what is written, and what older rows read as.
@Suite("Stored forms")
struct StoredFormTests {
    @Test func aCurrencyIsWrittenAsItsCodeAndReadBackFromEitherForm() throws {
        #expect(String(decoding: try JSONEncoder().encode(Currency.UAH), as: UTF8.self) == #""UAH""#)
        #expect(try JSONDecoder().decode(Currency.self, from: Data(#""RUB""#.utf8)) == .RUB)
        // Quotes frozen at checkout before currencies were written as codes kept the whole structure.
        let legacy = #"{"code":"EUR","minorDigits":2,"localSymbol":"€","englishSymbol":"€","symbolLeadsInEnglish":true}"#
        #expect(try JSONDecoder().decode(Currency.self, from: Data(legacy.utf8)) == .EUR)
        let money = try JSONDecoder().decode(Money.self, from: try JSONEncoder().encode(Money(minor: 1_990, .GBP)))
        #expect(money == Money(minor: 1_990, .GBP))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Currency.self, from: Data(#""XTS""#.utf8)) }
    }

    @Test func aPaymentsChannelIsAMethodKindOrCashback() {
        #expect(PaymentChannel(rawValue: "bank_transfer") == .method(.bankTransfer))
        #expect(PaymentChannel(rawValue: "cashback") == .cashback)
        #expect(PaymentChannel(rawValue: "paypal") == nil)
        #expect(PaymentChannel.cashback.methodKind == nil)
        #expect(PaymentChannel.method(.stripe).isGateway)
        #expect(!PaymentChannel.method(.bankTransfer).isGateway)
        #expect(PaymentChannel.all.map(\.rawValue) == ["balance", "bank_transfer", "sandbox", "stripe", "yookassa", "cashback"])
    }
}

@Suite("Time-ordered ids")
struct TimeOrderedIDTests {
    @Test func aVersion7IdCarriesItsMillisecondAndSortsByIt() {
        // 2026-01-15 09:00:00.125 UTC.
        let date = Date(timeIntervalSince1970: 1_768_467_600.125)
        let id = UUID.timeOrdered(at: date)
        #expect(id.timeOrderedMilliseconds == 1_768_467_600_125)
        let text = id.uuidString.lowercased()
        #expect(text.hasPrefix("019bc0e2-12fd-")) // 0x019BC0E212FD is 1 768 467 600 125 ms
        #expect(Array(text)[14] == "7") // version
        #expect("89ab".contains(Array(text)[19])) // variant 10
        #expect(UUID().timeOrderedMilliseconds == nil)

        // Later ids sort after earlier ones, as text and as bytes (both databases compare them so).
        let ids = (0..<50).map { UUID.timeOrdered(at: date.addingTimeInterval(Double($0) * 0.002)) }
        #expect(ids.map { $0.uuidString.lowercased() } == ids.map { $0.uuidString.lowercased() }.sorted())
        // Two ids of the same millisecond still differ (74 random bits).
        #expect(Set((0..<1_000).map { _ in UUID.timeOrdered(at: date) }).count == 1_000)
    }
}
