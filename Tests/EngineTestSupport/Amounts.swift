import BillingDomain

extension Money {
    /// A euro amount written as a test reads it: `.eur("28.81")`. A typo stops the test at once.
    public static func eur(_ text: String) -> Money {
        do { return try MoneyFormat.parse(text, currency: .EUR, language: .en) } catch { fatalError("not an amount: \(text)") }
    }
}
