import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// The expense history (FIN-5): charges with their tax and unpaid part, totals, filters, CSV.
public struct ExpenseHistory: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public struct Filter: Sendable, Equatable {
        public var from: LocalDate?
        public var to: LocalDate?
        public var serviceID: UUID?
        public var search: String

        public init(from: LocalDate? = nil, to: LocalDate? = nil, serviceID: UUID? = nil, search: String = "") {
            self.from = from
            self.to = to
            self.serviceID = serviceID
            self.search = search
        }
    }

    public struct Totals: Sendable, Equatable {
        public let amount: Money
        public let unpaid: Money
        public let tax: Money
        public let count: Int
    }

    /// The WHERE clause of a filter, the one place the filter is turned into SQL: the page, its
    /// totals and the CSV all use it.
    private func conditions(account: Account, filter: Filter, on sql: any SQLDatabase) -> SQLQueryString {
        var clause: SQLQueryString = "account_id = \(bind: account.id) AND currency = \(bind: account.currency)"
        if let from = filter.from { clause = clause + " AND charged_on >= \(bind: from.iso)" }
        if let to = filter.to { clause = clause + " AND charged_on <= \(bind: to.iso)" }
        if let service = filter.serviceID { clause = clause + " AND service_id = \(bind: service)" }
        let text = filter.search.trimmingCharacters(in: .whitespaces)
            .replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "")
        if !text.isEmpty {
            // PostgreSQL's LIKE is case-sensitive, SQLite's is not (for ASCII).
            let like: SQLQueryString = sql.dialect.name == "postgresql" ? "ILIKE" : "LIKE"
            clause = clause + " AND description \(like) \(bind: "%\(text)%")"
        }
        return clause
    }

    private var sql: any SQLDatabase { context.database.sql }

    /// The rows a filter matches, in the given order, decoded as records.
    private func rows(account: Account, filter: Filter, order: SQLQueryString, limit: Int, offset: Int = 0) async throws
        -> [ExpenseRecord]
    {
        try await sql.raw(
            """
            SELECT \(ExpenseRecord.columnList) FROM expenses WHERE \(conditions(account: account, filter: filter, on: sql))
            ORDER BY \(order)
            LIMIT \(unsafeRaw: String(limit)) OFFSET \(unsafeRaw: String(offset))
            """
        ).all().map { try ExpenseRecord(plainRow: $0) }
    }

    /// One page of expenses, newest first, with the totals of everything the filter matches.
    public func page(caller: Caller, filter: Filter, page: PageRequest) async throws -> (Page<Expense>, Totals) {
        let account = try caller.account(for: .viewFinance)
        let currency = account.currency
        // SUM of a bigint is numeric in PostgreSQL; the casts bring it back to 64-bit integers on both.
        let row = try await sql.raw(
            """
            SELECT COUNT(*) AS count, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS amount,
            CAST(COALESCE(SUM(paid_amount), 0) AS BIGINT) AS paid, CAST(COALESCE(SUM(tax), 0) AS BIGINT) AS tax
            FROM expenses WHERE \(conditions(account: account, filter: filter, on: sql))
            """
        ).first()
        let count = try row?.decode(column: "count", as: Int.self) ?? 0
        let amount = try row?.decode(column: "amount", as: Int64.self) ?? 0
        let paid = try row?.decode(column: "paid", as: Int64.self) ?? 0
        let tax = try row?.decode(column: "tax", as: Int64.self) ?? 0
        let page = page.within(total: count)
        let items = try await rows(
            account: account, filter: filter, order: "charged_on DESC, created_at DESC",
            limit: page.size, offset: page.offset)
        return (
            Page(items: items.map { Expense($0, fallback: currency) }, total: count, request: page),
            Totals(
                amount: Money(units: amount, currency: currency), unpaid: Money(units: amount - paid, currency: currency),
                tax: Money(units: tax, currency: currency), count: count)
        )
    }

    /// Every expense the filter matches as CSV (RFC 4180, plain amounts with a dot), oldest
    /// first, for a bookkeeper's spreadsheet.
    public func csv(caller: Caller, filter: Filter) async throws -> String {
        let account = try caller.account(for: .viewFinance)
        let rows = try await rows(account: account, filter: filter, order: "charged_on, created_at", limit: 100_000)
        var out = "id,service,charged_on,period_from,period_to,amount,tax,tax_rate,unpaid,currency,paid_by\r\n"
        for row in rows {
            let currency = row.currency
            let fields = [
                row.id!.uuidString.lowercased(), row.summary, row.chargedOn, row.periodFrom ?? "", row.periodTo ?? "",
                MoneyFormat.plain(row.money(\.amount)),
                MoneyFormat.plain(row.money(\.tax)),
                TaxRate(basisPoints: row.taxRate).description.replacingOccurrences(of: " ", with: ""),
                MoneyFormat.plain(row.unpaid),
                currency.code, row.ledgerTransactionID?.uuidString.lowercased() ?? ""
            ]
            out += fields.map(Self.csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func csvField(_ value: String) -> String {
        // A leading =, +, - or @ would make a spreadsheet run it as a formula.
        var value = value
        if let first = value.first, "=+@".contains(first) || (first == "-" && Double(value) == nil) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
