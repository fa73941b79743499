import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// Posts balanced transactions to the double-entry ledger and answers balance questions.
/// The only writer of `ledger_transactions` and `ledger_entries`.
public struct Ledger: Sendable {
    let database: any Database
    let clock: any Clock

    public init(database: any Database, clock: any Clock) {
        self.database = database
        self.clock = clock
    }

    /// The outcome of a posting: the transaction's id and whether this call created it or found
    /// the same posting made earlier under the same idempotency key.
    public struct Posted: Sendable, Equatable {
        public let transactionID: UUID
        public let isReplay: Bool
    }

    public enum Failure: Error, Equatable {
        /// The idempotency key was used before for different lines: a bug in the caller, never
        /// silently accepted.
        case idempotencyKeyReused(String)
        /// A line beyond `MoneyLimits.maximumAmount`, or a client balance that would leave
        /// ±`MoneyLimits.maximumBalance`: refused so the sums of the ledger never overflow.
        case beyondLimits
    }

    /// Posts `posting`, or finds it if a posting with its idempotency key exists. Runs in its own
    /// database transaction unless `database` is already inside one (pass the transaction's).
    @discardableResult
    public func post(_ posting: LedgerPosting, actor: Initiator, on database: (any Database)? = nil) async throws -> Posted {
        let db = database ?? self.database
        if let existing = try await existingTransaction(posting.idempotencyKey, on: db) {
            return try await replay(existing, of: posting, on: db)
        }
        do {
            let id = try await insert(posting, actor: actor, on: db)
            return Posted(transactionID: id, isReplay: false)
        } catch let failure as Failure {
            throw failure
        } catch {
            // A racing writer may have inserted the same key between our look-up and insert; the
            // unique index refused ours. If that is what happened, this is a replay.
            if !db.inTransaction, let existing = try await existingTransaction(posting.idempotencyKey, on: self.database) {
                return try await replay(existing, of: posting, on: self.database)
            }
            throw error
        }
    }

    private func insert(_ posting: LedgerPosting, actor: Initiator, on db: any Database) async throws -> UUID {
        guard posting.lines.allSatisfy({ MoneyLimits.allows($0.amount) }) else { throw Failure.beyondLimits }
        let now = clock.now
        let transaction = LedgerTransactionRecord(
            idempotencyKey: posting.idempotencyKey, kind: posting.kind,
            memo: posting.memo, text: posting.text, actor: actor, createdAt: now)
        let id = transaction.id!
        let entries = posting.lines.map { line in
            LedgerEntryRecord(
                transactionID: id, accountCode: line.account.code, clientAccountID: line.account.clientAccountID,
                amount: line.amount.units, currency: line.amount.currency, createdAt: now)
        }
        let changes = ClientBalanceChanges(posting.lines)
        let write: @Sendable (any Database) async throws -> Void = { tx in
            for (key, delta) in changes.deltas {
                let after = try await Self.storedBalance(of: key.account, in: key.currency, on: tx).units + delta
                guard after.magnitude <= UInt64(MoneyLimits.maximumBalance.units) else { throw Failure.beyondLimits }
            }
            try await transaction.create(on: tx)
            try await entries.create(on: tx)
            try await changes.apply(on: tx.sql)
        }
        if db.inTransaction { try await write(db) } else { try await db.transaction(write) }
        return id
    }

    private func existingTransaction(_ key: String, on db: any Database) async throws -> LedgerTransactionRecord? {
        try await LedgerTransactionRecord.query(on: db).filter(\.$idempotencyKey == key).first()
    }

    private func replay(_ existing: LedgerTransactionRecord, of posting: LedgerPosting, on db: any Database) async throws -> Posted {
        let entries = try await LedgerEntryRecord.query(on: db).filter(\.$transactionID == existing.id!).all()
        let stored = entries.map { "\($0.accountCode)|\($0.currency)|\($0.amount)" }.sorted()
        let requested = posting.lines.map { "\($0.account.code)|\($0.amount.currency.code)|\($0.amount.units)" }.sorted()
        guard stored == requested else { throw Failure.idempotencyKeyReused(posting.idempotencyKey) }
        return Posted(transactionID: existing.id!, isReplay: true)
    }

    /// A client's balance in `currency`: the balance kept beside the ledger (`client_balances`),
    /// which every posting changes in its own transaction. One primary-key read, however long the
    /// client's history.
    public func balance(of clientAccountID: UUID, in currency: Currency, on database: (any Database)? = nil) async throws -> Money {
        try await Self.storedBalance(of: clientAccountID, in: currency, on: database ?? self.database)
    }

    static func storedBalance(of account: UUID, in currency: Currency, on db: any Database) async throws -> Money {
        let row = try await db.sql.raw(
            "SELECT balance FROM client_balances WHERE account_id = \(bind: account) AND currency = \(bind: currency.code)"
        ).first()
        return Money(units: try row?.decode(column: "balance", as: Int64.self) ?? 0, currency: currency)
    }

    /// The sum of every entry of a ledger account in a currency (any account, not only clients').
    public func total(of account: LedgerAccount, in currency: Currency) async throws -> Money {
        let row = try await database.sql.raw(
            """
            SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM ledger_entries
            WHERE account_code = \(bind: account.code) AND currency = \(bind: currency.code)
            """
        ).first()
        return Money(units: try row?.decode(column: "total", as: Int64.self) ?? 0, currency: currency)
    }

    /// A client balance whose kept value differs from the sum of the client's entries.
    public struct BalanceMismatch: Sendable, Equatable, CustomStringConvertible {
        public let accountID: UUID
        /// What `client_balances` holds (zero when it has no row).
        public let kept: Money
        /// The sum of the ledger entries.
        public let summed: Money

        public init(accountID: UUID, kept: Money, summed: Money) {
            self.accountID = accountID
            self.kept = kept
            self.summed = summed
        }

        /// Exact, in 1/10 000 units: a drift smaller than a cent still shows.
        public var description: String {
            "account \(accountID.uuidString.lowercased()), \(kept.currency.code): kept \(kept.units), entries sum to \(summed.units) "
                + "(1/10 000 units)"
        }
    }

    /// Compares every kept client balance with the sum of the client's entries (`billing ledger
    /// check`). Empty when the two agree everywhere, which every posting path must keep true.
    public func balanceMismatches() async throws -> [BalanceMismatch] {
        // SUM(bigint) is numeric in PostgreSQL; the cast brings it back to a 64-bit integer.
        let rows = try await database.sql.raw(
            """
            SELECT s.account_id AS account_id, s.currency AS currency, s.total AS summed, COALESCE(b.balance, 0) AS kept
            FROM (SELECT client_account_id AS account_id, currency, CAST(SUM(amount) AS BIGINT) AS total FROM ledger_entries
                  WHERE client_account_id IS NOT NULL GROUP BY client_account_id, currency) s
            LEFT JOIN client_balances b ON b.account_id = s.account_id AND b.currency = s.currency
            WHERE COALESCE(b.balance, 0) <> s.total
            UNION ALL
            SELECT b.account_id, b.currency, 0, b.balance FROM client_balances b
            WHERE b.balance <> 0 AND NOT EXISTS (
                SELECT 1 FROM ledger_entries e WHERE e.client_account_id = b.account_id AND e.currency = b.currency)
            """
        ).all()
        return try rows.map { row in
            let currency = try row.decode(column: "currency", as: Currency.self)
            return BalanceMismatch(
                accountID: try row.decode(column: "account_id", as: UUID.self),
                kept: Money(units: try row.decode(column: "kept", as: Int64.self), currency: currency),
                summed: Money(units: try row.decode(column: "summed", as: Int64.self), currency: currency))
        }
    }

    /// One movement of a client's balance, as the client's history shows it.
    public struct Movement: Sendable, Equatable {
        public let transactionID: UUID
        public let date: Date
        public let kind: LedgerTransactionKind
        /// The memo as stored (English, or staff's words); show `text` when there is one.
        public let memo: String
        /// The memo's words for the reader's language; `nil` on older rows.
        public let text: LedgerText?
        public let amount: Money
    }

    /// One movement of a client's balance, or `nil` when the transaction did not touch this client
    /// (another account's transaction is indistinguishable from a missing one).
    public func movement(transactionID: UUID, of clientAccountID: UUID) async throws -> Movement? {
        guard
            let entry = try await LedgerEntryRecord.query(on: database)
                .filter(\.$transactionID == transactionID).filter(\.$clientAccountID == clientAccountID).first(),
            let transaction = try await LedgerTransactionRecord.find(transactionID, on: database)
        else { return nil }
        return Movement(
            transactionID: transactionID, date: entry.createdAt,
            kind: transaction.kind,
            memo: transaction.memo, text: transaction.text.flatMap { try? JSONDecoder().decode(LedgerText.self, from: Data($0.utf8)) },
            amount: entry.money(\.amount))
    }

    /// A client's balance movements, newest first.
    public func movements(of clientAccountID: UUID, page: PageRequest) async throws -> Page<Movement> {
        // Plain SQL, the entries joined to their transactions: the balance history and the API's
        // ledger run this on every visit.
        let sql = database.sql
        let total =
            try await sql.raw("SELECT COUNT(*) AS n FROM ledger_entries WHERE client_account_id = \(bind: clientAccountID)").first()?
            .decode(column: "n", as: Int.self) ?? 0
        let page = page.within(total: total)
        let rows = try await sql.raw(
            """
            SELECT e.transaction_id, e.created_at, e.amount, e.currency, t.kind, t.memo, t.text
            FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
            WHERE e.client_account_id = \(bind: clientAccountID) ORDER BY e.created_at DESC, e.id DESC
            LIMIT \(unsafeRaw: String(page.size)) OFFSET \(unsafeRaw: String(page.offset))
            """
        ).all()
        let items = try rows.map { row in
            Movement(
                transactionID: try row.decode(column: "transaction_id", as: UUID.self),
                date: try row.decode(column: "created_at", as: Date.self),
                kind: try row.decode(column: "kind", as: LedgerTransactionKind.self), memo: try row.decode(column: "memo", as: String.self),
                text: try row.decode(column: "text", as: String?.self).flatMap {
                    try? JSONDecoder().decode(LedgerText.self, from: Data($0.utf8))
                },
                amount: Money(
                    units: try row.decode(column: "amount", as: Int64.self), currency: try row.decode(column: "currency", as: Currency.self)
                ))
        }
        return Page(items: items, total: total, request: page)
    }
}

/// Which page of a list to show. The number and size are bounded where they are made, so the
/// offset can never overflow whatever a request asks for (a trap would end the whole process).
public struct PageRequest: Sendable, Equatable {
    /// The highest page number anyone may ask for; with 200 a page that is 200 million rows.
    public static let maximumNumber = 1_000_000
    public static let maximumSize = 200

    public let number: Int
    public let size: Int
    /// A page past the end shows the last page (web lists) instead of an empty one (API lists).
    public let lastPageWhenBeyond: Bool

    public init(number: Int, size: Int = 25, lastPageWhenBeyond: Bool = false) {
        self.number = min(max(1, number), Self.maximumNumber)
        self.size = min(max(1, size), Self.maximumSize)
        self.lastPageWhenBeyond = lastPageWhenBeyond
    }

    /// A web list's page from the `page` query value as typed: anything that is not a number,
    /// or is out of range, still shows a page.
    public static func web(_ text: String?) -> PageRequest {
        let typed = (text ?? "").trimmingCharacters(in: .whitespaces)
        // Digits too long for an Int are a page far past the end: the last page.
        let number = Int(typed) ?? (!typed.isEmpty && typed.allSatisfy(\.isNumber) ? maximumNumber : 1)
        return PageRequest(number: number, lastPageWhenBeyond: true)
    }

    /// An API list's page: values outside 1…maximumNumber and 1…maximumSize are refused, not
    /// silently changed, so a client never walks a different list than it asked for.
    public static func api(number: Int?, size: Int?) -> PageRequest? {
        let number = number ?? 1
        let size = size ?? 25
        guard (1...maximumNumber).contains(number), (1...maximumSize).contains(size) else { return nil }
        return PageRequest(number: number, size: size)
    }

    public var offset: Int { (number - 1) * size }

    /// The page to read once the list's length is known: past the end, the last one where asked.
    public func within(total: Int) -> PageRequest {
        guard lastPageWhenBeyond else { return self }
        let last = max(1, (total + size - 1) / size)
        return number > last ? PageRequest(number: last, size: size, lastPageWhenBeyond: true) : self
    }
}

/// One page of a list with the total count, for paging links.
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    public let total: Int
    public let request: PageRequest

    public var pageCount: Int { max(1, (total + request.size - 1) / request.size) }
    public var hasNext: Bool { request.number < pageCount }
    public var hasPrevious: Bool { request.number > 1 }
}

extension Page: Equatable where Item: Equatable {}

extension Page {
    /// The same page with each item transformed (records into the values the edge reads).
    public func map<T: Sendable>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), total: total, request: request)
    }
}

extension Ledger {
    /// Inserts many postings in one statement per table, inside the caller's transaction; the
    /// billing run uses it so a chunk of 500 renewals costs a handful of queries. Callers make
    /// sure the keys are new (the unique index refuses a repeated one and the chunk rolls back).
    /// `dates`, when given, is each posting's time (history written after the fact, `ScaleDemo`);
    /// otherwise every posting is made now.
    package func insertBatch(_ postings: [LedgerPosting], actor: Initiator, at dates: [Date]? = nil, on tx: any Database) async throws
        -> [UUID]
    {
        guard !postings.isEmpty else { return [] }
        precondition(dates == nil || dates?.count == postings.count, "one date per posting")
        let now = clock.now
        let actor = actor.stored
        var transactions = BatchInsert(into: LedgerTransactionRecord.schema, columns: Self.transactionColumns)
        var entries = BatchInsert(into: LedgerEntryRecord.schema, columns: Self.entryColumns)
        var ids: [UUID] = []
        ids.reserveCapacity(postings.count)
        for (index, posting) in postings.enumerated() {
            let at = dates?[index] ?? now
            let id = UUID.timeOrdered(at: at)
            ids.append(id)
            transactions.append([
                id, posting.idempotencyKey, posting.kind.rawValue, posting.memo, LedgerTransactionRecord.storedText(posting.text),
                actor, at
            ])
            for line in posting.lines {
                entries.append([
                    UUID.timeOrdered(at: at), id, line.account.code, line.account.clientAccountID, line.amount.units,
                    line.amount.currency.code, at
                ])
            }
        }
        let sql = tx.sql
        try await transactions.run(on: sql)
        try await entries.run(on: sql)
        try await ClientBalanceChanges(postings.flatMap(\.lines)).apply(on: sql)
        return ids
    }

    /// The columns `insertBatch` writes: every column of the two tables, as the models write them.
    static let transactionColumns = ["id", "idempotency_key", "kind", "memo", "text", "actor", "created_at"]
    static let entryColumns = ["id", "transaction_id", "account_code", "client_account_id", "amount", "currency", "created_at"]
}

/// What a set of ledger lines does to the kept client balances: one delta per account and
/// currency, written as one upsert per slice of 500 (`balance = balance + delta`), in a fixed
/// order so two transactions never take the rows' locks in opposite orders.
struct ClientBalanceChanges: Sendable {
    struct Key: Hashable, Sendable {
        let account: UUID
        let currency: Currency
    }

    private(set) var deltas: [Key: Int64] = [:]

    init(_ lines: [LedgerLine]) {
        for line in lines {
            guard let account = line.account.clientAccountID else { continue }
            deltas[Key(account: account, currency: line.amount.currency), default: 0] += line.amount.units
        }
    }

    func apply(on sql: any SQLDatabase) async throws {
        let rows = deltas.filter { $0.value != 0 }.sorted {
            ($0.key.account.uuidString, $0.key.currency.code) < ($1.key.account.uuidString, $1.key.currency.code)
        }
        for start in stride(from: 0, to: rows.count, by: 500) {
            let values = rows[start..<min(start + 500, rows.count)].map { key, delta -> SQLQueryString in
                "(\(bind: key.account), \(bind: key.currency.code), \(bind: delta))"
            }
            try await sql.raw(
                """
                INSERT INTO client_balances (account_id, currency, balance) VALUES \(values.joined(separator: ", "))
                ON CONFLICT (account_id, currency) DO UPDATE SET balance = client_balances.balance + excluded.balance
                """
            ).run()
        }
    }
}
