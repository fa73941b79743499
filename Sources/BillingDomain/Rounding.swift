/// The one place where amounts are rounded. Half-up means half away from zero, as bookkeepers
/// round: 0.005 → 0.01 and −0.005 → −0.01.
public enum Rounding {
    /// Divides `value` by `divisor` rounding half away from zero; the divisor must be positive.
    public static func divideHalfUp(_ value: Int64, by divisor: Int64) -> Int64 {
        precondition(divisor > 0, "rounding needs a positive divisor")
        let quotient = value / divisor
        let remainder = value % divisor
        if abs(remainder) * 2 >= divisor {
            return quotient + (value < 0 ? -1 : 1)
        }
        return quotient
    }

    /// `value × numerator / denominator` rounded half-up, computed without overflow for any
    /// amount a hosting provider will ever bill (the product is taken in 128 bits).
    public static func multiplyHalfUp(_ value: Int64, _ numerator: Int64, _ denominator: Int64) -> Int64 {
        guard let result = multiplyHalfUpIfRepresentable(value, numerator, denominator) else {
            preconditionFailure("amount out of range: \(value) × \(numerator)/\(denominator)")
        }
        return result
    }

    /// `multiplyHalfUp`, or `nil` when the result does not fit in 64 bits: for products whose
    /// factors come from outside (a staff-entered rate or limit), which are refused, never trapped.
    public static func multiplyHalfUpIfRepresentable(_ value: Int64, _ numerator: Int64, _ denominator: Int64) -> Int64? {
        precondition(denominator > 0, "rounding needs a positive denominator")
        let product = Int128(value) * Int128(numerator)
        let d = Int128(denominator)
        let quotient = product / d
        let remainder = product % d
        var result = quotient
        if abs(remainder) * 2 >= d { result += product < 0 ? -1 : 1 }
        return Int64(exactly: result)
    }
}
