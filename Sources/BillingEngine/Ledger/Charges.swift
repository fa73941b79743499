import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// A charge to a client's balance: an expense (FIN-5) and its balanced ledger transaction.
/// `package`: the scale demo writes half a year of charges through it (BillingDemo).
package struct Charge: Sendable {
    package let accountID: UUID
    package let serviceID: UUID?
    package let summary: String
    package let chargedOn: LocalDate
    package let periodFrom: LocalDate?
    package let periodTo: LocalDate?
    package let amount: TaxedAmount
    /// Unique per charge: `order:<item>`, `renew:<service>:<period start>` …; the expense and the
    /// ledger transaction both carry it, so a retried charge is found, never made twice.
    package let key: String

    package init(
        accountID: UUID, serviceID: UUID?, summary: String, chargedOn: LocalDate, periodFrom: LocalDate?, periodTo: LocalDate?,
        amount: TaxedAmount, key: String
    ) {
        self.accountID = accountID
        self.serviceID = serviceID
        self.summary = summary
        self.chargedOn = chargedOn
        self.periodFrom = periodFrom
        self.periodTo = periodTo
        self.amount = amount
        self.key = key
    }

    /// The ledger lines: the client's balance goes down by the gross amount; revenue gets the net
    /// and the tax account the tax. `nil` for a free charge (a trial), which has only an expense.
    package func posting() throws -> LedgerPosting? {
        guard amount.gross.isPositive else { return nil }
        var lines = [LedgerLine(.clientBalance(accountID), amount.gross.negated)]
        if !amount.net.isZero { lines.append(LedgerLine(.revenue, amount.net)) }
        if !amount.tax.isZero { lines.append(LedgerLine(.taxPayable, amount.tax)) }
        return try LedgerPosting(idempotencyKey: key, kind: .charge, memo: summary, lines: lines)
    }

    package func expense(transactionID: UUID?, at now: Date) -> ExpenseRecord {
        ExpenseRecord(
            id: .timeOrdered(at: now), accountID: accountID, serviceID: serviceID, summary: summary, chargedOn: chargedOn.iso,
            periodFrom: periodFrom?.iso, periodTo: periodTo?.iso, amount: amount.gross.units, tax: amount.tax.units,
            taxRate: amount.rate.basisPoints, currency: amount.gross.currency,
            paidAmount: transactionID == nil && amount.gross.isPositive ? 0 : amount.gross.units,
            ledgerTransactionID: transactionID, idempotencyKey: key, createdAt: now)
    }
}

extension EngineContext {
    /// Charges one expense inside the caller's transaction; a charge whose key exists is not
    /// made again.
    func charge(_ charge: Charge, actor: Initiator, on tx: any Database) async throws {
        if try await ExpenseRecord.query(on: tx).filter(\.$idempotencyKey == charge.key).first() != nil { return }
        var transactionID: UUID?
        if let posting = try charge.posting() {
            transactionID = try await ledger.post(posting, actor: actor, on: tx).transactionID
        }
        try await charge.expense(transactionID: transactionID, at: clock.now).create(on: tx)
    }

    /// Takes the account's write lock for the rest of the transaction: a row lock in PostgreSQL,
    /// the database's write lock in SQLite. Two payments of one client then see each other's
    /// charges instead of both spending the same balance.
    func lockAccount(_ accountID: UUID, on tx: any Database) async throws {
        let sql = tx.sql
        try await sql.raw("UPDATE accounts SET status = status WHERE id = \(bind: accountID)").run()
    }

    /// The next number in a numbered table (`orders`, `services`), starting above `floor`.
    package func nextNumber(in table: String, column: String = "number", floor: Int, on db: any Database) async throws -> Int {
        let sql = db.sql
        let highest = try await sql.raw("SELECT MAX(\(ident: column)) AS highest FROM \(ident: table)").first()?
            .decode(column: "highest", as: Int?.self)
        return max(highest ?? floor, floor) + 1
    }
}
