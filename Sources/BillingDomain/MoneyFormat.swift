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

    /// Why a text is not an amount.
    public enum ParseError: Error, Equatable, Sendable {
        case empty
        case notANumber
        case tooManyDecimals(allowed: Int)
        case outOfRange
    }

    /// Reads an amount typed by a person: accepts `1234.56`, `1 234,56`, `1,234.56`, `€12`,
    /// `12 ₽`; refuses more decimals than the currency has. A lone comma or dot followed by
    /// exactly three digits (`1,234`) is read as a group separator in English and as a
    /// decimal separator in Russian and Ukrainian, as people of each language write.
    /// `maximumDecimals` lets catalog unit prices keep four places (0.0001 € per MiB); amounts
    /// that are paid keep the currency's minor unit.
    public static func parse(_ text: String, currency: Currency, language: Language,
                             maximumDecimals: Int? = nil) throws(ParseError) -> Money {
        let allowedDecimals = min(maximumDecimals ?? currency.minorDigits, 4)
        let symbols = [currency.localSymbol, currency.englishSymbol, currency.code, currency.code.lowercased()]
        var body = text
        for symbol in symbols { body = body.replacingOccurrences(of: symbol, with: "") }
        body = body.filter { !$0.isWhitespace && $0 != "\u{00A0}" && $0 != "\u{202F}" && $0 != "'" }
        guard !body.isEmpty else { throw .empty }
        var negative = false
        if body.hasPrefix("-") || body.hasPrefix("−") { negative = true; body.removeFirst() }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == ",") }) else {
            throw .notANumber
        }
        let separators = body.filter { $0 == "." || $0 == "," }
        var integerPart = body
        var fractionPart = ""
        if let last = body.lastIndex(where: { $0 == "." || $0 == "," }) {
            let after = body[body.index(after: last)...]
            let lastSeparator = body[last]
            let mixed = Set(separators).count > 1
            let groupingOnly: Bool
            if mixed {
                groupingOnly = false
            } else if separators.count > 1 {
                groupingOnly = true
            } else {
                groupingOnly = after.count == 3 && language == .en && lastSeparator == "," && allowedDecimals < 3
            }
            if groupingOnly {
                integerPart = body.filter { $0.isNumber }
            } else {
                integerPart = String(body[..<last]).filter { $0.isNumber }
                fractionPart = String(after)
                if mixed {
                    let groupSeparator: Character = lastSeparator == "." ? "," : "."
                    guard !String(body[..<last]).contains(lastSeparator),
                          body[..<last].contains(groupSeparator) else { throw .notANumber }
                }
            }
        }
        guard !fractionPart.contains(where: { !$0.isNumber }) else { throw .notANumber }
        guard fractionPart.count <= allowedDecimals else { throw .tooManyDecimals(allowed: allowedDecimals) }
        if integerPart.isEmpty { integerPart = "0" }
        guard integerPart.count <= 14, let whole = Int64(integerPart) else { throw .outOfRange }
        let paddedFraction = fractionPart + String(repeating: "0", count: 4 - fractionPart.count)
        let units = whole * Money.unitsPerMajor + (Int64(paddedFraction) ?? 0)
        return Money(units: negative ? -units : units, currency: currency)
    }
}
