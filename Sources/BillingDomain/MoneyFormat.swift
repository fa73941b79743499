import Foundation

/// Writes and reads amounts the way people in each interface language expect:
/// `€1,234.56` in English, `1 234,56 ₽` in Russian, `1 234,56 грн` in Ukrainian.
/// Group separators in output are no-break spaces (U+00A0), so an amount never wraps.
public enum MoneyFormat {
    public static let noBreakSpace = "\u{00A0}"

    /// Formats an amount rounded to the minor unit for display in `language`.
    public static func format(_ money: Money, language: Language) -> String {
        let rounded = money.roundedToMinorUnit()
        let sign = rounded.isNegative ? "-" : ""
        let currency = money.currency
        switch language {
        case .en:
            let digits = number(rounded.absolute, decimal: ".", group: ",")
            if currency.symbolLeadsInEnglish { return sign + currency.englishSymbol + digits }
            return sign + digits + noBreakSpace + currency.englishSymbol
        case .ru, .uk:
            let digits = number(rounded.absolute, decimal: ",", group: noBreakSpace)
            return sign + digits + noBreakSpace + currency.localSymbol
        }
    }

    /// The bare number with a dot and no grouping, as in CSV exports and the API: `1234.56`.
    public static func plain(_ money: Money) -> String {
        let rounded = money.roundedToMinorUnit()
        return (rounded.isNegative ? "-" : "") + number(rounded.absolute, decimal: ".", group: "")
    }

    /// The bare number at full 1/10 000 precision, trailing zeros beyond the minor unit removed.
    public static func precise(_ money: Money) -> String {
        let currency = money.currency
        let whole = abs(money.units) / Money.unitsPerMajor
        var fraction = String(abs(money.units) % Money.unitsPerMajor)
        fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
        while fraction.count > currency.minorDigits, fraction.hasSuffix("0") { fraction.removeLast() }
        return (money.isNegative ? "-" : "") + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }

    private static func number(_ money: Money, decimal: String, group: String) -> String {
        let currency = money.currency
        let minor = money.units / currency.unitsPerMinor
        var divisor: Int64 = 1
        for _ in 0..<currency.minorDigits { divisor *= 10 }
        let whole = String(minor / divisor)
        var grouped = ""
        for (index, character) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { grouped += group }
            grouped.append(character)
        }
        guard currency.minorDigits > 0 else { return grouped }
        var fraction = String(minor % divisor)
        fraction = String(repeating: "0", count: currency.minorDigits - fraction.count) + fraction
        return grouped + decimal + fraction
    }

    /// An example of how to type an amount in `language`, shown with a refusal: `1234.56`.
    public static func example(_ language: Language) -> String {
        language == .en ? "1234.56" : "1234,56"
    }

    /// Reads an amount typed by a person, the one parser for every form and the API:
    /// - the language's decimal separator (`.` in English, `,` in Russian and Ukrainian) is a
    ///   decimal separator; the other one is too when one or two digits follow it (`10,5` is
    ///   10.50 in any language: a thousands group has three digits);
    /// - groups of three digits (`1,234,567.89`, `1 234 567,89`) are grouped thousands;
    /// - a lone separator of the other kind followed by exactly three digits (`10,555` in
    ///   English, `10.555` in Russian) could be either, and is refused as `ambiguous`;
    /// - more decimals than allowed, or an amount above `MoneyLimits.maximumAmount`, are refused.
    /// `maximumDecimals` lets catalog unit prices keep four places (0.0001 € per MiB); amounts
    /// that are paid keep the currency's minor unit.
    public static func parse(
        _ text: String, currency: Currency, language: Language,
        maximumDecimals: Int? = nil
    ) throws(AmountParseError) -> Money {
        let allowedDecimals = min(maximumDecimals ?? currency.minorDigits, 4)
        let symbols = [currency.localSymbol, currency.englishSymbol, currency.code, currency.code.lowercased()]
        var body = text
        for symbol in symbols { body = body.replacingOccurrences(of: symbol, with: "") }
        // Spaces of any kind and apostrophes group thousands (1 234, 1'234) and carry no meaning.
        body = body.filter { !$0.isWhitespace && $0 != "\u{00A0}" && $0 != "\u{202F}" && $0 != "'" }
        guard !body.isEmpty else { throw .empty }
        var negative = false
        if body.hasPrefix("-") || body.hasPrefix("−") {
            negative = true
            body.removeFirst()
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == ",") }) else {
            throw .notANumber
        }
        let decimalMark: Character = language == .en ? "." : ","
        let separators = body.filter { $0 == "." || $0 == "," }
        var integerPart = body
        var fractionPart = ""
        if let last = body.lastIndex(where: { $0 == "." || $0 == "," }) {
            let lastSeparator = body[last]
            let after = String(body[body.index(after: last)...])
            let before = String(body[..<last])
            let kinds = Set(separators)
            let isDecimal: Bool
            if kinds.count > 1 {
                // 1,234.56 or 1.234,56: the last one is the decimal mark, the other groups.
                guard !before.contains(lastSeparator) else { throw .notANumber }
                isDecimal = true
            } else if separators.count > 1 {
                isDecimal = false // 1,234,567: only groups
            } else if lastSeparator == decimalMark || after.count != 3 {
                isDecimal = true
            } else {
                throw .ambiguous
            }
            if isDecimal {
                integerPart = before
                fractionPart = after
            }
            // Every group after the first has exactly three digits.
            let groups = integerPart.split(
                separator: kinds.count > 1 ? (lastSeparator == "." ? "," : ".") : lastSeparator,
                omittingEmptySubsequences: false)
            if groups.count > 1 {
                guard let first = groups.first, (1...3).contains(first.count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else {
                    throw .notANumber
                }
            }
            integerPart = integerPart.filter(\.isNumber)
        }
        guard !fractionPart.contains(where: { !$0.isNumber }) else { throw .notANumber }
        guard fractionPart.count <= allowedDecimals else { throw .tooManyDecimals(allowed: allowedDecimals) }
        if integerPart.isEmpty { integerPart = "0" }
        let trimmed = integerPart.drop { $0 == "0" }
        guard trimmed.count <= 13, let whole = Int64(integerPart) else { throw .outOfRange }
        let paddedFraction = fractionPart + String(repeating: "0", count: 4 - fractionPart.count)
        let units = whole * Money.unitsPerMajor + (Int64(paddedFraction) ?? 0)
        guard units <= MoneyLimits.maximumAmount.units else { throw .outOfRange }
        return Money(units: negative ? -units : units, currency: currency)
    }
}

/// The bounds every amount and balance stays within, so sums never overflow 64 bits (a ledger
/// of a million maximal balances still fits) and a typo of extra zeros is refused, not posted.
public enum MoneyLimits {
    /// The largest single amount anyone may type, pay, charge or adjust: 1 000 000 000 units
    /// of any currency.
    public static let maximumAmount = Magnitude(units: 1_000_000_000 * Money.unitsPerMajor)
    /// The largest balance a client account may hold, either way: 100 000 000 000 units.
    public static let maximumBalance = Magnitude(units: 100_000_000_000 * Money.unitsPerMajor)

    /// A bound without a currency: the same number in every currency.
    public struct Magnitude: Sendable {
        public let units: Int64
        public func money(_ currency: Currency) -> Money { Money(units: units, currency: currency) }
    }

    /// Whether `amount` is within the single-amount bound (either sign).
    public static func allows(_ amount: Money) -> Bool { amount.units.magnitude <= UInt64(maximumAmount.units) }
}

/// Why a text is not an amount.
public enum AmountParseError: Error, Equatable, Sendable {
    case empty
    case notANumber
    case tooManyDecimals(allowed: Int)
    case outOfRange
    /// `1,234` or `1.234`: a thousands separator or a decimal point, depending on who typed
    /// it. Refused with an example, never guessed.
    case ambiguous
}
