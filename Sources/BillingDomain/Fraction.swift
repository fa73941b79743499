/// An exact rational number, for proration (`10/31` of a month) and rates (`20/100` VAT).
public struct Fraction: Sendable, Hashable, Codable, CustomStringConvertible {
    public let numerator: Int64
    public let denominator: Int64

    /// A fraction in lowest terms with a positive denominator; the denominator must not be zero.
    public init(_ numerator: Int64, _ denominator: Int64) {
        precondition(denominator != 0, "a fraction's denominator must not be zero")
        let sign: Int64 = denominator < 0 ? -1 : 1
        let divisor = Fraction.gcd(abs(numerator), abs(denominator))
        self.numerator = sign * numerator / max(divisor, 1)
        self.denominator = sign * denominator / max(divisor, 1)
    }

    public static let one = Fraction(1, 1)
    public static let zero = Fraction(0, 1)

    /// A percentage as a fraction: `percent(20)` is 1/5.
    public static func percent(_ value: Int64) -> Fraction { Fraction(value, 100) }

    /// A percentage with two decimals given in hundredths of a percent: `basisPoints(2150)` is 21.5 %.
    public static func basisPoints(_ value: Int64) -> Fraction { Fraction(value, 10_000) }

    public var description: String { "\(numerator)/\(denominator)" }

    static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
