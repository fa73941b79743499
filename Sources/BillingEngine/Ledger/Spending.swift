import BillingDomain
import FluentKit
import FluentSQL
import Foundation

/// Reads the input of the one spending rule (`SpendingPower`) from the ledger. Every path that
/// spends from a client's balance goes through here; none compares a balance itself.
extension Ledger {
    /// What an account may spend now in `currency`. Inside a transaction, take the account's
    /// lock first (`EngineContext.lockAccount`) so a concurrent payment cannot spend the same money.
    public func spendingPower(of accountID: UUID, in currency: Currency, on database: (any Database)? = nil) async throws
        -> SpendingPower
    {
        SpendingPower(balance: try await balance(of: accountID, in: currency, on: database))
    }

    /// The spending power of many accounts in one query, for the renewal pass.
    func spendingPowers(of accountIDs: [UUID], on tx: any Database) async throws -> SpendingPowers {
        guard !accountIDs.isEmpty else { return SpendingPowers() }
        let rows = try await tx.sql.raw(
            "SELECT account_id, currency, balance FROM client_balances WHERE account_id IN (\(binds: accountIDs))"
        ).all()
        var powers = SpendingPowers()
        for row in rows {
            let currency = try row.decode(column: "currency", as: Currency.self)
            let id = try row.decode(column: "account_id", as: UUID.self)
            powers[id, currency] = SpendingPower(
                balance: Money(units: try row.decode(column: "balance", as: Int64.self), currency: currency))
        }
        return powers
    }
}

/// Spending powers by account and currency; an account without entries has a zero balance.
struct SpendingPowers {
    private var powers: [UUID: [Currency: SpendingPower]] = [:]

    subscript(account: UUID, currency: Currency) -> SpendingPower {
        get { powers[account]?[currency] ?? SpendingPower(balance: .zero(currency)) }
        set { powers[account, default: [:]][currency] = newValue }
    }
}

extension EngineContext {
    /// Refuses with `OrderError.insufficientBalance` unless the spending rule lets the account
    /// spend `amount` now. Call it after `lockAccount`, in the transaction that then spends.
    func requireSpending(_ amount: Money, accountID: UUID, on tx: any Database) async throws {
        let power = try await ledger.spendingPower(of: accountID, in: amount.currency, on: tx)
        guard power.allows(amount) else { throw OrderError.insufficientBalance(needed: amount, available: power.available) }
    }
}
