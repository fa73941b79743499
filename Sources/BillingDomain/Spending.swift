/// What an account may spend from its balance now: the one spending rule.
///
/// Every path that spends from the balance asks this value and nothing else: paying an order
/// (ordering, the cart, extending a service), renewals, resource changes, currency change and
/// autopayment (which tops up the shortfall it reports). The credit limit (FIN-11) changes only
/// this type: a limit lets the balance go below zero, a blocked credit limit takes that room away
/// again while top-ups and saved-method renewals keep working.
public struct SpendingPower: Sendable, Equatable {
    /// The balance in the account's currency (negative when the client owes).
    public private(set) var balance: Money
    /// How far below zero the balance may go (zero: no credit).
    public let creditLimit: Money
    /// Whether the credit limit is blocked for an overdue credit invoice.
    public let creditBlocked: Bool

    public init(balance: Money, creditLimit: Money? = nil, creditBlocked: Bool = false) {
        self.balance = balance
        self.creditLimit = creditLimit ?? .zero(balance.currency)
        self.creditBlocked = creditBlocked
        precondition(self.creditLimit.currency == balance.currency, "a credit limit is in the balance's currency")
    }

    public var currency: Currency { balance.currency }

    /// How far the balance may fall now: the balance plus the usable credit (negative when the
    /// client owes more than its credit covers).
    public var room: Money { creditBlocked ? balance : balance + creditLimit }

    /// The most the account may spend now (never below zero), as pages show it.
    public var available: Money { room.isNegative ? .zero(currency) : room }

    /// Whether `amount` may be spent now. An account that owes beyond its credit may spend
    /// nothing, not even a free order; an amount in another currency never, since the balance
    /// that would pay it does not exist.
    public func allows(_ amount: Money) -> Bool {
        amount.currency == currency && amount <= room
    }

    /// What must come in before `amount` may be spent (zero when it already may).
    public func shortfall(for amount: Money) -> Money {
        guard amount.currency == currency, !allows(amount) else { return .zero(amount.currency) }
        return amount - room
    }

    /// The same power after spending `amount` (the caller checked `allows` first).
    public mutating func spend(_ amount: Money) {
        precondition(allows(amount), "spend only what the rule allows")
        balance = balance - amount
    }

    /// Whether the account may move to another currency: not while it owes, since a debt would
    /// change currency at an exchange rate the provider never agreed to.
    public var mayChangeCurrency: Bool { !balance.isNegative }
}
