import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Autopayment settings and the forecast its form recommends a maximum from (FIN-10).
public struct Autopayments: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    func setting(account: AccountRecord) async throws -> AutopaySettingRecord? {
        try await AutopaySettingRecord.find(account.id!, on: context.database)
    }

    public func save(caller: Caller, savedMethodID: UUID, monthlyMaximum: Money, enabled: Bool) async throws {
        let account = try await context.record(of: try caller.account(for: .paymentMethods))
        guard monthlyMaximum.isPositive, monthlyMaximum.currency == account.currency else { throw AutopayError.maximumNotPositive }
        guard let saved = try await SavedMethods(context: context).stored(savedMethodID, account: account),
            saved.status != .beingSetUp
        else { throw AutopayError.methodNotUsable }
        let record =
            try await setting(account: account)
            ?? AutopaySettingRecord(
                accountID: account.id!, savedMethodID: savedMethodID, monthlyMaximum: 0, currency: account.currency,
                enabled: enabled, updatedAt: context.clock.now)
        record.savedMethodID = saved.id!
        record.monthlyMaximum = monthlyMaximum.units
        record.currency = account.currency
        record.enabled = enabled
        record.updatedAt = context.clock.now
        try await record.save(on: context.database)
    }

    /// What the services renewing from the balance will cost over the next month: each renewal
    /// falling due in it, and thirty days of each daily plan, tax included.
    public func forecast(caller: Caller) async throws -> Money {
        try await forecast(account: try await context.record(of: try caller.account(for: .paymentMethods)))
    }

    func forecast(account: AccountRecord) async throws -> Money {
        let currency = account.currency
        let settings = try await BillingSettings.load(on: context.database)
        let today = context.today
        let until = today.adding(months: 1)
        let services = try await AutopaymentRun.balanceRenewing(accountIDs: [account.id!], until: until, on: context.database)
        var total = Money.zero(currency)
        for service in services where service.currency == currency {
            let price = AutopaymentRun.renewalPrice(service, currency: currency, country: account.country, taxMode: settings.taxMode)
            total += service.period == BillingPeriod.day ? price.times(30) : price
        }
        return total
    }

    /// What the autopayment form shows: the setting, the forecast, the recommended maximum and
    /// what was taken this month.
    public struct Overview: Sendable {
        public let setting: AutopaySetting?
        public let forecast: Money
        public let recommendedMaximum: Money
        public let takenThisMonth: Money
    }

    public func overview(caller: Caller) async throws -> Overview {
        let account = try await context.record(of: try caller.account(for: .paymentMethods))
        let currency = account.currency
        let forecast = try await forecast(account: account)
        return Overview(
            setting: try await setting(account: account).map { AutopaySetting($0, fallback: currency) }, forecast: forecast,
            recommendedMaximum: Autopayment.recommendedMaximum(forecast: forecast),
            takenThisMonth: try await takenThisMonth(accountID: account.id!, currency: currency))
    }

    /// What autopayment took this calendar month (provider's time zone).
    public func takenThisMonth(accountID: UUID, currency: Currency) async throws -> Money {
        let today = context.today
        let monthStart = context.calendar.startOf(LocalDate(year: today.year, month: today.month, day: 1)!)
        let payments = try await PaymentRecord.query(on: context.database).filter(\.$accountID == accountID)
            .filter(\.$purpose == .autopay).filter(\.$status ~~ [PaymentStatus.credited, PaymentStatus.refunded])
            .filter(\.$creditedAt >= monthStart).all()
        return Money(units: payments.reduce(0) { $0 + $1.amount }, currency: currency)
    }
}

/// The daily autopayment pass (FIN-10): for each account with autopayment on, the balance is
/// topped up from the saved method when it is below what the renewals of the coming days need,
/// never beyond what is left of the month's maximum.
struct AutopaymentRun {
    let context: EngineContext

    static let actor = Initiator.system(job: "autopayment")

    /// One renewal of a service as the client pays it: the catalog price with VAT as configured.
    static func renewalPrice(_ service: ServiceRecord, currency: Currency, country: String, taxMode: TaxMode) -> Money {
        TaxedAmount(
            catalogAmount: service.money(\.recurringAmount), rate: VATTable.rate(forCountry: country),
            mode: taxMode
        ).gross
    }

    /// Services that renew from the balance and fall due by `until`.
    static func balanceRenewing(accountIDs: [UUID], until: LocalDate, on db: any Database) async throws -> [ServiceRecord] {
        try await ServiceRecord.query(on: db).filter(\.$accountID ~~ accountIDs).filter(\.$autoRenew == true)
            .filter(\.$savedMethodID == nil).filter(\.$status ~~ ServiceStatus.renewableStatuses).filter(\.$expiresOn <= until.iso).all()
    }

    func run(on date: LocalDate, settings: BillingSettings, summary: inout RenewalRun.Summary) async throws {
        let enabled = try await AutopaySettingRecord.query(on: context.database).filter(\.$enabled == true).all()
        guard !enabled.isEmpty else { return }
        let horizon = date.adding(days: max(1, settings.noticeDays))
        let due = Dictionary(
            grouping: try await Self.balanceRenewing(
                accountIDs: enabled.compactMap(\.id), until: horizon,
                on: context.database), by: \.accountID)
        for setting in enabled {
            guard let accountID = setting.id, let services = due[accountID], !services.isEmpty else { continue }
            if try await topUp(setting, services: services, on: date, settings: settings) { summary.autopayments += 1 }
        }
    }

    private func topUp(_ setting: AutopaySettingRecord, services: [ServiceRecord], on date: LocalDate, settings: BillingSettings)
        async throws -> Bool
    {
        let key = "autopay:\(setting.id!.uuidString.lowercased()):\(date.iso)"
        guard try await PaymentRecord.query(on: context.database).filter(\.$idempotencyKey == key).first() == nil,
            let account = try await AccountRecord.find(setting.id!, on: context.database),
            setting.currency == account.currency,
            let saved = try await SavedMethodRecord.find(setting.savedMethodID, on: context.database), saved.deletedAt == nil,
            let token = saved.token, let method = try await PaymentMethods(context: context).method(saved.methodID),
            let driver = context.gateways.driver(saved.gateway)
        else { return false }
        let currency = account.currency
        let needed = Money.sum(
            services.filter { $0.currency == account.currency }.map {
                Self.renewalPrice($0, currency: currency, country: account.country, taxMode: settings.taxMode)
            }, currency: currency)
        let power = try await context.ledger.spendingPower(of: account.id!, in: currency)
        let taken = try await Autopayments(context: context).takenThisMonth(accountID: account.id!, currency: currency)
        let amount = Autopayment.topUp(
            needed: needed, power: power, monthlyMaximum: setting.money(\.monthlyMaximum),
            alreadyThisMonth: taken)
        guard amount.isPositive, let amounts = try? method.terms.amounts(for: amount) else { return false }
        let payment = try await PaymentFlow(context: context).insertPayment(
            account: account, method: method, amounts: amounts,
            purpose: .autopay, savedMethodID: saved.id, status: .beingPaid,
            key: key)
        return try await OffSessionPayment(context: context).collect(
            payment, amounts: amounts, saved: saved, token: token, driver: driver,
            description: "Autopayment", on: date, actor: Self.actor,
            orderToCancel: nil, account: account)
    }
}

public enum AutopayError: Error, Equatable, Sendable { case maximumNotPositive, methodNotUsable }

extension AutopayError: Refusal {
    public var code: String {
        switch self {
        case .maximumNotPositive: "amount_invalid"
        case .methodNotUsable: "method_not_usable"
        }
    }

    public var textKey: String {
        switch self {
        case .maximumNotPositive: "error.autopay.maximum"
        case .methodNotUsable: "error.autopay.method"
        }
    }
}
