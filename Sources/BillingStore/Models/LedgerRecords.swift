import BillingDomain
import FluentKit
import Foundation

/// One posted ledger transaction. Rows are only ever inserted: the database refuses updates and
/// deletes (see `MakeLedgerAppendOnly`), and a mistake is corrected by a reversing transaction.
public final class LedgerTransactionRecord: Model, @unchecked Sendable {
    public static let schema = "ledger_transactions"

    @ID(key: .id) public var id: UUID?
    /// Unique: posting the same operation twice finds the first posting instead.
    @Field(key: "idempotency_key") public var idempotencyKey: String
    @Field(key: "kind") public var kind: LedgerTransactionKind
    @Field(key: "memo") public var memo: String
    /// The memo's words for readers (`LedgerText` as JSON); `nil` on rows older than texts.
    @OptionalField(key: "text") public var text: String?
    /// Who caused it: `system`, `client:<user id>`, `staff:<staff user id>`, `gateway:<name>`.
    @Field(key: "actor") public var actor: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), idempotencyKey: String, kind: LedgerTransactionKind, memo: String, text: LedgerText? = nil,
        actor: Initiator,
        createdAt: Date
    ) {
        self.id = id
        self.idempotencyKey = idempotencyKey
        self.kind = kind
        self.memo = memo
        self.text = Self.storedText(text)
        self.actor = actor.stored
        self.createdAt = createdAt
    }
}

extension LedgerTransactionRecord {
    /// The `text` column's form of a ledger text: its JSON.
    public static func storedText(_ text: LedgerText?) -> String? {
        text.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// One line of a ledger transaction: an amount (in 1/10 000 units) put on one ledger account.
public final class LedgerEntryRecord: Model, @unchecked Sendable {
    public static let schema = "ledger_entries"

    @ID(key: .id) public var id: UUID?
    @Field(key: "transaction_id") public var transactionID: UUID
    /// A `LedgerAccount.code`.
    @Field(key: "account_code") public var accountCode: String
    /// Set for client balance lines, so a client's balance is one indexed sum.
    @OptionalField(key: "client_account_id") public var clientAccountID: UUID?
    @Field(key: "amount") public var amount: Int64
    @Field(key: "currency") public var currency: Currency
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(
        id: UUID = .timeOrdered(), transactionID: UUID, accountCode: String, clientAccountID: UUID?,
        amount: Int64, currency: Currency, createdAt: Date
    ) {
        self.id = id
        self.transactionID = transactionID
        self.accountCode = accountCode
        self.clientAccountID = clientAccountID
        self.amount = amount
        self.currency = currency
        self.createdAt = createdAt
    }
}
