import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Why a currency operation is refused.
public enum CurrencyError: Error, Equatable, Sendable {
    case sameCurrency
    case noRate(from: String, to: String)
    case badRate
    case notPermitted
    /// Orders priced in the old currency still wait for payment: paid after the change they would
    /// be refused (the balance is in the new currency). They are paid or cancelled first.
    case pendingOrders(count: Int, currency: String)
    /// The converted balance or a renewal price would leave `MoneyLimits`.
    case beyondLimits
    /// The account owes `debt`: the spending rule keeps a debt in the currency it arose in.
    case debt(Money)
}

/// Exchange rates set by staff and the change of an account's currency (FIN-13).
public struct Currencies: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// Sets how much one `base` costs in `quote`, in millionths (41.25 → 41 250 000). The inverse
    /// pair is derived, so one rate serves both directions.
    public func setRate(base: Currency, quote: Currency, rateMicros: Int64, caller: Caller) async throws {
        guard caller.may(.manageCatalog) else { throw CurrencyError.notPermitted }
        guard base != quote else { throw CurrencyError.sameCurrency }
        guard rateMicros > 0, rateMicros < 1_000_000_000_000 else { throw CurrencyError.badRate }
        try await CurrencyRateRecord(
            base: base, quote: quote, rateMicros: rateMicros,
            setBy: caller.initiator.stored, createdAt: context.clock.now
        ).create(on: context.database)
    }

    /// The rate in force from `from` to `to` as a fraction, from the newest row of either direction.
    public func rate(from: Currency, to: Currency) async throws -> Fraction? {
        let db = context.database
        let direct = try await CurrencyRateRecord.query(on: db).filter(\.$base == from).filter(\.$quote == to)
            .sort(\.$createdAt, .descending).first()
        let inverse = try await CurrencyRateRecord.query(on: db).filter(\.$base == to).filter(\.$quote == from)
            .sort(\.$createdAt, .descending).first()
        switch (direct, inverse) {
        case (let d?, let i?): return d.createdAt >= i.createdAt ? Fraction(d.rateMicros, 1_000_000) : Fraction(1_000_000, i.rateMicros)
        case (let d?, nil): return Fraction(d.rateMicros, 1_000_000)
        case (nil, let i?): return Fraction(1_000_000, i.rateMicros)
        default: return nil
        }
    }

    /// The newest rate of every pair, for the staff page.
    public func currentRates() async throws -> [ExchangeRate] {
        let rows = try await CurrencyRateRecord.query(on: context.database).sort(\.$createdAt, .descending).limit(500).all()
        var seen = Set<String>()
        return rows.filter { seen.insert("\($0.base)/\($0.quote)").inserted }.map(ExchangeRate.init)
    }

    /// Converts an account to another currency: the balance moves through the exchange account
    /// (two balanced legs in one ledger transaction), services' renewal prices convert at the
    /// same rate, and the account's currency changes. `requestKey` makes a double submit harmless.
    public func changeAccountCurrency(caller: Caller, to target: Currency, requestKey: String) async throws {
        let account = try await context.record(of: try caller.account(for: .pay))
        let actor = caller.initiator
        let source = account.currency
        guard source != target else { throw CurrencyError.sameCurrency }
        guard let rate = try await rate(from: source, to: target) else {
            throw CurrencyError.noRate(from: source.code, to: target.code)
        }
        try await context.database.transaction { tx in
            let ctx = context.on(tx)
            try await ctx.lockAccount(account.id!, on: tx)
            guard let fresh = try await AccountRecord.find(account.id!, on: tx), fresh.currency == source else { return }
            let pending = try await OrderRecord.query(on: tx).filter(\.$accountID == account.id!).filter(\.$status == .pending).count()
            guard pending == 0 else { throw CurrencyError.pendingOrders(count: pending, currency: source.code) }
            let power = try await ctx.ledger.spendingPower(of: account.id!, in: source, on: tx)
            guard power.mayChangeCurrency else { throw CurrencyError.debt(power.balance.negated) }
            let balance = power.balance
            if !balance.isZero {
                guard let exact = balance.converted(to: target, by: rate),
                    exact.units.magnitude <= UInt64(MoneyLimits.maximumBalance.units)
                else { throw CurrencyError.beyondLimits }
                let converted = exact.roundedToMinorUnit()
                var lines = [LedgerLine(.clientBalance(account.id!), balance.negated), LedgerLine(.currencyExchange, balance)]
                if !converted.isZero {
                    lines += [LedgerLine(.clientBalance(account.id!), converted), LedgerLine(.currencyExchange, converted.negated)]
                }
                let posting = try LedgerPosting(
                    idempotencyKey: "fx:\(account.id!.uuidString.lowercased()):\(requestKey)",
                    kind: .currencyConversion, memo: "\(source.code) → \(target.code)",
                    text: .conversion(from: source, to: target), lines: lines)
                try await ctx.ledger.post(posting, actor: actor, on: tx)
            }
            let services = try await ServiceRecord.query(on: tx).filter(\.$accountID == account.id!)
                .filter(\.$status != ServiceStatus.deleted).all()
            for service in services where service.currency == source {
                guard let price = service.money(\.recurringAmount).converted(to: target, by: rate),
                    MoneyLimits.allows(price)
                else { throw CurrencyError.beyondLimits }
                service.recurringAmount = price.roundedToMinorUnit().units
                service.currency = target
                try await service.update(on: tx)
            }
            fresh.currency = target
            try await fresh.update(on: tx)
        }
        account.currency = target
    }
}

extension CurrencyError: Refusal {
    public var code: String {
        switch self {
        case .sameCurrency: "same_currency"
        case .noRate: "no_rate"
        case .badRate: "rate_invalid"
        case .notPermitted: "forbidden"
        case .pendingOrders: "pending_orders"
        case .beyondLimits: "amount_too_large"
        case .debt: "debt_outstanding"
        }
    }

    public var status: RefusalStatus { self == .notPermitted ? .forbidden : .unprocessable }

    public var textKey: String {
        switch self {
        case .sameCurrency: "error.currency.same"
        case .noRate: "error.currency.no_rate"
        case .badRate: "error.currency.rate"
        case .notPermitted: "error.forbidden"
        case .pendingOrders: "error.currency.pending_orders"
        case .beyondLimits: "error.currency.limits"
        case .debt: "error.currency.debt"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .noRate(let from, let to): ["from": .text(from), "to": .text(to)]
        case .pendingOrders(let count, let currency): ["count": .number(count), "currency": .text(currency)]
        case .debt(let debt): ["debt": .money(debt)]
        default: [:]
        }
    }
}
