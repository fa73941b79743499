import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// A client's service as the client and staff areas see it: typed status, period, dates and price.
public struct Service: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let accountID: UUID
    /// The short number clients see ("#3461").
    public let number: Int
    public let planID: UUID
    public let productType: ProductType
    /// The plan's name: in English as it was when the service was ordered, with the plan's
    /// translations as staff keep them.
    public let planName: LocalizedText
    public let domainName: String
    public let osImage: String
    /// Resource quantities by add-on.
    public let addons: [UUID: Int]
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

    init(_ record: ServiceRecord, fallback: Currency, planTranslations: [Language: String] = [:]) {
        id = record.id!
        accountID = record.accountID
        number = record.number
        planID = record.planID
        productType = record.productType
        planName = LocalizedText(english: record.planName, translations: planTranslations)
        domainName = record.domainName
        osImage = record.osImage
        addons = OrderConfiguration.addons(fromJSON: record.addons)
        status = record.status
        operation = record.operation
        period = record.period
        recurringAmount = record.money(\.recurringAmount)
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

    /// Services as a reader sees them: with their plans' translated names (one query for all).
    func values(_ records: [ServiceRecord]) async throws -> [Service] {
        let planIDs = Array(Set(records.map(\.planID)))
        // Only the plans' translated names, by plain SQL: every list of services asks this.
        var names: [UUID: [Language: String]] = [:]
        if !planIDs.isEmpty {
            for row in try await database.sql.raw(
                "SELECT id, translations FROM \(ident: PlanRecord.schema) WHERE id IN (\(binds: planIDs))"
            ).all() {
                let stored = Translations.decode(try row.decode(column: "translations", as: String?.self))
                names[try row.decode(column: "id", as: UUID.self)] = Dictionary(
                    uniqueKeysWithValues: Translations.languages.map { ($0, stored["name.\($0.rawValue)"] ?? "") })
            }
        }
        return records.map { Service($0, fallback: provider.defaultCurrency, planTranslations: names[$0.planID] ?? [:]) }
    }
}

/// One change in a service's history: what happened, the status it led to, who did it.
public struct ServiceHistoryEntry: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let at: Date
    /// The event's key (`ordered`, `stopped`, `renewed`…), named in the locale files.
    public let event: String
    public let fromStatus: ServiceStatus?
    public let toStatus: ServiceStatus
    /// Who did it (the id stays in the database).
    public let actorKind: Initiator.Kind
    public let note: String

    init(_ record: ServiceEventRecord) {
        id = record.id!
        at = record.at
        event = record.event
        fromStatus = record.fromStatus
        toStatus = record.toStatus
        actorKind = Initiator(stored: record.actor)?.kind ?? .system
        note = record.note
    }
}

/// A charge in the client's expense history (FIN-5).
public struct Expense: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let serviceID: UUID?
    public let summary: String
    public let chargedOn: LocalDate
    public let periodFrom: LocalDate?
    public let periodTo: LocalDate?
    public let amount: Money
    /// What is still unpaid of it.
    public let unpaid: Money
    public let tax: Money
    public let taxRate: TaxRate
    /// The ledger transaction that paid it from the balance.
    public let paidBy: UUID?

    init(_ record: ExpenseRecord, fallback: Currency) {
        id = record.id!
        serviceID = record.serviceID
        summary = record.summary
        chargedOn = LocalDate(iso: record.chargedOn) ?? LocalDate(iso: "1970-01-01")!
        periodFrom = record.periodFrom.flatMap(LocalDate.init(iso:))
        periodTo = record.periodTo.flatMap(LocalDate.init(iso:))
        amount = record.money(\.amount)
        unpaid = record.unpaid
        tax = record.money(\.tax)
        taxRate = TaxRate(basisPoints: record.taxRate)
        paidBy = record.ledgerTransactionID
    }
}
