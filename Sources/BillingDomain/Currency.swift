/// An ISO 4217 currency the platform bills in, with its minor unit and the symbols it is written with.
public struct Currency: Sendable, Hashable, CustomStringConvertible {
    /// The three-letter ISO 4217 code, e.g. `RUB`.
    public let code: String
    /// Digits after the decimal separator in the currency's smallest coin (2 for kopecks and cents).
    public let minorDigits: Int
    /// The symbol written after the amount in Russian and Ukrainian texts, e.g. `₽`, `грн`.
    public let localSymbol: String
    /// The symbol used in English texts; `symbolLeadsInEnglish` puts it before the amount (`€1.00`).
    public let englishSymbol: String
    public let symbolLeadsInEnglish: Bool

    public init(code: String, minorDigits: Int, localSymbol: String, englishSymbol: String, symbolLeadsInEnglish: Bool) {
        self.code = code
        self.minorDigits = minorDigits
        self.localSymbol = localSymbol
        self.englishSymbol = englishSymbol
        self.symbolLeadsInEnglish = symbolLeadsInEnglish
    }

    public var description: String { code }

    // ISO 4217 codes read as they are written.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let RUB = Currency(code: "RUB", minorDigits: 2, localSymbol: "₽", englishSymbol: "₽", symbolLeadsInEnglish: false)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let UAH = Currency(code: "UAH", minorDigits: 2, localSymbol: "грн", englishSymbol: "₴", symbolLeadsInEnglish: false)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let EUR = Currency(code: "EUR", minorDigits: 2, localSymbol: "€", englishSymbol: "€", symbolLeadsInEnglish: true)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let USD = Currency(code: "USD", minorDigits: 2, localSymbol: "$", englishSymbol: "$", symbolLeadsInEnglish: true)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let BYN = Currency(code: "BYN", minorDigits: 2, localSymbol: "Br", englishSymbol: "Br", symbolLeadsInEnglish: false)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let KZT = Currency(code: "KZT", minorDigits: 2, localSymbol: "₸", englishSymbol: "₸", symbolLeadsInEnglish: false)
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public static let GBP = Currency(code: "GBP", minorDigits: 2, localSymbol: "£", englishSymbol: "£", symbolLeadsInEnglish: true)

    /// Every currency the platform knows, in the order staff see them.
    public static let all: [Currency] = [.RUB, .UAH, .EUR, .USD, .BYN, .KZT, .GBP]

    /// Looks a currency up by its ISO code (case-insensitive); `nil` for one the platform does not know.
    public static func named(_ code: String) -> Currency? {
        let upper = code.uppercased()
        return all.first { $0.code == upper }
    }

    /// How many 1/10 000 units make one minor unit (100 for two minor digits).
    var unitsPerMinor: Int64 {
        var result: Int64 = Money.unitsPerMajor
        for _ in 0..<minorDigits { result /= 10 }
        return result
    }
}

/// A currency is stored and sent as its ISO code (`"RUB"`), so a record's `currency` column and
/// an API field read the same. Older JSON (frozen quotes) wrote the whole structure; that form is
/// still read, by its `code`.
extension Currency: Codable {
    private enum CodingKeys: String, CodingKey { case code }

    public init(from decoder: any Decoder) throws {
        let code: String
        if let single = try? decoder.singleValueContainer(), let value = try? single.decode(String.self) {
            code = value
        } else {
            code = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .code)
        }
        guard let currency = Currency.named(code) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Unknown currency \(code)"))
        }
        self = currency
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
