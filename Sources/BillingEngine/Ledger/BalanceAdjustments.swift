import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Why staff could not adjust a balance.
public enum AdjustmentError: Error, Equatable, Sendable {
    case notPermitted
    case accountNotFound
    case zeroAmount
    case reasonRequired
    case wrongCurrency(expected: String)
    /// Beyond `MoneyLimits`: a single amount above the maximum, or a balance that would leave it.
    case beyondLimits(maximumAmount: Money, maximumBalance: Money)
}

/// Manual corrections of a client's balance by staff: one ledger transaction each, against the
/// staff-adjustments account, with the reason as its memo and the staff member as its actor.
public struct BalanceAdjustments: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// Credits (positive amount) or debits (negative) a client's balance. `idempotencyKey` comes
    /// from the form, so a double submit posts once.
    @discardableResult
    public func adjust(
        accountID: UUID, amount: Money, reason: String, caller: Caller, idempotencyKey: String
    ) async throws -> Ledger.Posted {
        guard caller.may(.adjustBalances) else { throw AdjustmentError.notPermitted }
        guard let account = try await AccountRecord.find(accountID, on: context.database) else { throw AdjustmentError.accountNotFound }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw AdjustmentError.reasonRequired }
        guard amount.currency == account.currency else { throw AdjustmentError.wrongCurrency(expected: account.currency.code) }
        let rounded = amount.roundedToMinorUnit()
        guard !rounded.isZero else { throw AdjustmentError.zeroAmount }
        let limits = AdjustmentError.beyondLimits(
            maximumAmount: MoneyLimits.maximumAmount.money(amount.currency),
            maximumBalance: MoneyLimits.maximumBalance.money(amount.currency))
        guard MoneyLimits.allows(rounded) else { throw limits }
        let posting = try LedgerPosting.credit(
            client: accountID, amount: rounded, from: .staffAdjustments, kind: .staffAdjustment,
            memo: String(reason.prefix(500)), idempotencyKey: "adjust:\(idempotencyKey)")
        do {
            return try await context.ledger.post(posting, actor: caller.initiator)
        } catch Ledger.Failure.beyondLimits {
            throw limits
        }
    }
}

extension AdjustmentError: Refusal {
    public var code: String {
        switch self {
        case .notPermitted: "forbidden"
        case .accountNotFound: "not_found"
        case .zeroAmount: "amount_invalid"
        case .reasonRequired: "reason_missing"
        case .wrongCurrency: "wrong_currency"
        case .beyondLimits: "amount_too_large"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .notPermitted: .forbidden
        case .accountNotFound: .notFound
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .notPermitted: "error.forbidden"
        case .accountNotFound: "error.not_found"
        case .zeroAmount: "error.adjust.zero"
        case .reasonRequired: "error.adjust.reason"
        case .wrongCurrency: "error.adjust.currency"
        case .beyondLimits: "error.adjust.limits"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .wrongCurrency(let expected): ["currency": .text(expected)]
        case .beyondLimits(let amount, let balance): ["amount": .money(amount), "balance": .money(balance)]
        default: [:]
        }
    }
}
