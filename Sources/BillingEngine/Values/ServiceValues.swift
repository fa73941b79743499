import BillingDomain
import BillingStore
import Foundation

/// A client's service as the client and staff areas see it: typed status, period, dates and price.
public struct Service: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let accountID: UUID
    /// The short number clients see ("#3461").
    public let number: Int
    public let planID: UUID
    public let productType: ProductType
    /// The plan's name when the service was ordered (in English).
    public let planName: String
    public let domainName: String
    public let osImage: String
    public let status: ServiceStatus
    /// What runs while the status is `processing`.
    public let operation: ProcessingOperation?
    public let period: BillingPeriod
    /// One period's catalog price, charged at each renewal.
    public let recurringAmount: Money
    public let autoRenew: Bool
    /// The saved method renewals are charged to; `nil`: the balance.
    public let savedMethodID: UUID?
    /// The first day that is not paid.
    public let expiresOn: LocalDate
    public let isTrial: Bool
    public let ipAddress: String?
    public let createdAt: Date

    public var currency: Currency { recurringAmount.currency }

    init(_ record: ServiceRecord, fallback: Currency) {
        id = record.id!
        accountID = record.accountID
        number = record.number
        planID = record.planID
        productType = ProductType(rawValue: record.productType) ?? .vps
        planName = record.planName
        domainName = record.domainName
        osImage = record.osImage
        status = ServiceStatus(rawValue: record.status) ?? .unavailable
        operation = record.operation.flatMap(ProcessingOperation.init(rawValue:))
        period = BillingPeriod(rawValue: record.period) ?? .month
        recurringAmount = Money(units: record.recurringAmount, currency: Currency.named(record.currency) ?? fallback)
        autoRenew = record.autoRenew
        savedMethodID = record.savedMethodID
        expiresOn = LocalDate(iso: record.expiresOn) ?? LocalDate(iso: "1970-01-01")!
        isTrial = record.isTrial
        ipAddress = record.ipAddress
        createdAt = record.createdAt
    }
}

extension EngineContext {
    /// The stored service as the edge reads it.
    func value(_ record: ServiceRecord) -> Service { Service(record, fallback: provider.defaultCurrency) }
}
