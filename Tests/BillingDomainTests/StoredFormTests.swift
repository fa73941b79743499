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
