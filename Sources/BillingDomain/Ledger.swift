import Foundation

/// An account of the double-entry ledger. Client balances are kept with the sign the client
/// sees: a positive sum of a client's `balance` entries is money the client has with the
/// provider, a negative one is debt. Every transaction's entries sum to zero per currency.
public enum LedgerAccount: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A client account's balance ("personal account").
    case clientBalance(UUID)
    /// Income from services sold, net of tax.
    case revenue
    /// Tax collected and owed to the state, per rate.
    case taxPayable
    /// Money on its way from a payment gateway (or a bank transfer) to the provider.
    case gatewayClearing(String)
    /// The other side of balances brought in when a client is opened or moved from another system.
    case openingBalances
    /// The other side of manual corrections made by staff.
    case staffAdjustments
    /// The provider's position when a client's balance changes currency.
    case currencyExchange
    /// Commissions payers pay on top of their payments (FIN-3).
    case paymentCommission
    /// What cashback costs the provider: the other side of cashback credited to balances.
    case cashback

    /// The stable code stored in the database.
    public var code: String {
        switch self {
        case .clientBalance(let id): "client:\(id.uuidString.lowercased())"
        case .revenue: "revenue"
        case .taxPayable: "tax:payable"
        case .gatewayClearing(let gateway): "clearing:\(gateway)"
        case .openingBalances: "equity:opening"
        case .staffAdjustments: "equity:adjustments"
        case .currencyExchange: "fx"
        case .paymentCommission: "revenue:commission"
        case .cashback: "expense:cashback"
        }
    }

    /// The client account this ledger account belongs to, if it is a client balance.
    public var clientAccountID: UUID? {
        if case .clientBalance(let id) = self { return id }
        return nil
    }

    public init?(code: String) {
        switch code {
        case "revenue": self = .revenue
        case "tax:payable": self = .taxPayable
        case "equity:opening": self = .openingBalances
        case "equity:adjustments": self = .staffAdjustments
        case "fx": self = .currencyExchange
        case "revenue:commission": self = .paymentCommission
        case "expense:cashback": self = .cashback
        default:
            if code.hasPrefix("client:"), let id = UUID(uuidString: String(code.dropFirst(7))) {
                self = .clientBalance(id)
            } else if code.hasPrefix("clearing:"), code.count > 9 {
                self = .gatewayClearing(String(code.dropFirst(9)))
            } else {
                return nil
            }
        }
    }

    public var description: String { code }
}

/// One line of a ledger transaction: an amount put on an account (positive or negative).
public struct LedgerLine: Sendable, Hashable {
    public let account: LedgerAccount
    public let amount: Money

    public init(_ account: LedgerAccount, _ amount: Money) {
        self.account = account
        self.amount = amount
    }
}

/// What a ledger transaction records, for reports and for the client's balance history.
public enum LedgerTransactionKind: String, Sendable, Codable, CaseIterable {
    case openingBalance = "opening_balance"
    case staffAdjustment = "staff_adjustment"
    case payment
    case charge
    case refund
    case currencyConversion = "currency_conversion"
    case cashback
}

/// A balanced set of ledger lines with the idempotency key that makes posting it twice harmless.
/// Build it through `init(...)`, which refuses anything a bookkeeper would refuse.
public struct LedgerPosting: Sendable, Hashable {
    public let idempotencyKey: String
    public let kind: LedgerTransactionKind
    /// The memo as stored for the books (English, or the staff's own words for an adjustment).
    public let memo: String
    /// What a reader sees instead of `memo`, rendered in their language when shown.
    public let text: LedgerText?
    public let lines: [LedgerLine]

    /// Why a set of ledger lines cannot be posted.
    public enum Invalid: Error, Equatable, Sendable {
        case noLines
        case zeroLine
        case unbalanced(currency: String, difference: Int64)
        case missingIdempotencyKey
        case idempotencyKeyTooLong
    }

    public init(
        idempotencyKey: String, kind: LedgerTransactionKind, memo: String, text: LedgerText? = nil, lines: [LedgerLine]
    ) throws(Invalid) {
        let key = idempotencyKey.trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { throw .missingIdempotencyKey }
        guard key.utf8.count <= 200 else { throw .idempotencyKeyTooLong }
        guard lines.count >= 2 else { throw .noLines }
        guard lines.allSatisfy({ !$0.amount.isZero }) else { throw .zeroLine }
        var sums: [String: Int64] = [:]
        for line in lines { sums[line.amount.currency.code, default: 0] += line.amount.units }
        if let (currency, difference) = sums.sorted(by: { $0.key < $1.key }).first(where: { $0.value != 0 }) {
            throw .unbalanced(currency: currency, difference: difference)
        }
        self.idempotencyKey = key
        self.kind = kind
        self.memo = memo
        self.text = text
        self.lines = lines
    }

    /// Moves `amount` into a client's balance from `source` (a payment, an adjustment, an opening balance).
    public static func credit(
        client: UUID, amount: Money, from source: LedgerAccount, kind: LedgerTransactionKind,
        memo: String, text: LedgerText? = nil, idempotencyKey: String
    ) throws(Invalid) -> LedgerPosting {
        try LedgerPosting(
            idempotencyKey: idempotencyKey, kind: kind, memo: memo, text: text,
            lines: [
                LedgerLine(.clientBalance(client), amount),
                LedgerLine(source, amount.negated)
            ])
    }
}

/// A ledger line's words as a key of the locale files and its arguments ("Payment #{number}"),
/// stored beside the English memo so the history reads in each reader's language. Rows written
/// before texts existed have none and show their memo.
public struct LedgerText: Sendable, Hashable, Codable {
    public let key: String
    public let arguments: [String: String]

    public init(_ key: String, _ arguments: [String: String] = [:]) {
        self.key = key
        self.arguments = arguments
    }

    /// A payment credited to the balance.
    public static func payment(number: Int) -> LedgerText { LedgerText("ledger.text.payment", ["number": String(number)]) }
    /// Cashback earned by a payment.
    public static func cashback(number: Int) -> LedgerText { LedgerText("ledger.text.cashback", ["number": String(number)]) }
    /// A refund of a payment.
    public static func refund(number: Int) -> LedgerText { LedgerText("ledger.text.refund", ["number": String(number)]) }
    /// Cashback taken back with a refund.
    public static func cashbackReturned(number: Int) -> LedgerText {
        LedgerText("ledger.text.cashback_returned", ["number": String(number)])
    }
    /// The balance moved to another currency.
    public static func conversion(from: Currency, to: Currency) -> LedgerText {
        LedgerText("ledger.text.conversion", ["from": from.code, "to": to.code])
    }
    /// An opening balance.
    public static let openingBalance = LedgerText("ledger.text.opening")
}
