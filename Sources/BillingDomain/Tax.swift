/// Whether catalog prices already contain the tax or the tax is added on top (FIN-12).
public enum TaxMode: String, Sendable, Codable, CaseIterable, Hashable {
    case included, added
}

/// A VAT rate in hundredths of a percent (`1900` is 19 %), so 21.5 % rates fit too.
public struct TaxRate: Sendable, Hashable, Codable, CustomStringConvertible {
    public let basisPoints: Int64

    public init(basisPoints: Int64) {
        precondition(basisPoints >= 0 && basisPoints < 100_000, "a tax rate is between 0 and 1000 %")
        self.basisPoints = basisPoints
    }

    public static func percent(_ value: Int64) -> TaxRate { TaxRate(basisPoints: value * 100) }
    public static let zero = TaxRate(basisPoints: 0)

    public var isZero: Bool { basisPoints == 0 }

    /// `19 %`, `21.5 %`.
    public var description: String {
        let whole = basisPoints / 100
        let rest = basisPoints % 100
        if rest == 0 { return "\(whole) %" }
        return rest % 10 == 0 ? "\(whole).\(rest / 10) %" : "\(whole).\(rest < 10 ? "0" : "")\(rest) %"
    }
}

/// The VAT table of seed 001: the EU member states' standard rates, 0 % for the USA and for
/// every other country. (The seed leaves Slovenia's rate blank; its standard rate, 22 %, is used.)
public enum VATTable {
    public static let euRates: [String: Int64] = [
        "AT": 20, "BE": 21, "BG": 20, "HR": 25, "CY": 19, "CZ": 21, "DK": 25, "EE": 22, "FR": 20, "FI": 24,
        "DE": 19, "GR": 24, "HU": 27, "IE": 23, "IT": 22, "LV": 21, "LT": 21, "LU": 17, "MT": 18, "NL": 21,
        "PL": 23, "PT": 23, "RO": 19, "SK": 20, "SI": 22, "ES": 21, "SE": 25
    ]

    /// The rate for a payer in `country` (ISO 3166-1 alpha-2).
    public static func rate(forCountry country: String) -> TaxRate {
        euRates[country.uppercased()].map(TaxRate.percent) ?? .zero
    }
}

/// An amount split into net, tax and gross, each rounded to the minor unit. The tax is rounded
/// once per rate (here: per amount being taxed) and net + tax == gross always holds.
public struct TaxedAmount: Sendable, Hashable, Codable {
    public let net: Money
    public let tax: Money
    public let gross: Money
    public let rate: TaxRate

    /// Taxes a catalog amount: with `.included` the amount is gross and the tax is carved out of
    /// it; with `.added` the amount is net and the tax comes on top.
    public init(catalogAmount amount: Money, rate: TaxRate, mode: TaxMode) {
        let rounded = amount.roundedToMinorUnit()
        self.rate = rate
        switch mode {
        case .included:
            let tax = rounded.times(Fraction(rate.basisPoints, 10_000 + rate.basisPoints)).roundedToMinorUnit()
            self.gross = rounded
            self.tax = tax
            self.net = rounded - tax
        case .added:
            let tax = rounded.times(Fraction.basisPoints(rate.basisPoints)).roundedToMinorUnit()
            self.net = rounded
            self.tax = tax
            self.gross = rounded + tax
        }
    }

    public static func zero(_ currency: Currency, rate: TaxRate) -> TaxedAmount {
        TaxedAmount(catalogAmount: .zero(currency), rate: rate, mode: .added)
    }
}
