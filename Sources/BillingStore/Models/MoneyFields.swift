import BillingDomain

/// A record whose amounts are kept in 1/10 000 units of the currency in its own `currency` column.
/// `record.money(\.total)` is the one way to read such a field as `Money`: nothing pairs a
/// number of one record with the currency of another.
public protocol KeepsMoney {
    var currency: Currency { get }
}

extension KeepsMoney {
    /// The amount of `field`, in this record's currency.
    public func money(_ field: KeyPath<Self, Int64>) -> Money { Money(units: self[keyPath: field], currency: currency) }

    /// The amount of an optional `field` (a limit that may be absent), in this record's currency.
    public func money(_ field: KeyPath<Self, Int64?>) -> Money? { self[keyPath: field].map { Money(units: $0, currency: currency) } }
}

extension OrderRecord: KeepsMoney {}
extension PaymentRecord: KeepsMoney {}
extension PaymentMethodRecord: KeepsMoney {}
extension RefundRecord: KeepsMoney {}
extension AutopaySettingRecord: KeepsMoney {}
extension ServiceRecord: KeepsMoney {}
extension ExpenseRecord: KeepsMoney {}
extension LedgerEntryRecord: KeepsMoney {}
extension PriceRecord: KeepsMoney {}

extension ExpenseRecord {
    /// What of the charge is still unpaid.
    public var unpaid: Money { money(\.amount) - money(\.paidAmount) }
}
