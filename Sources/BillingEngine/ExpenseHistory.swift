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

    private func query(account: AccountRecord, filter: Filter) -> QueryBuilder<ExpenseRecord> {
        let db = context.database
        let query = ExpenseRecord.query(on: db).filter(\.$accountID == account.id!).filter(\.$currency == account.currency)
        if let from = filter.from { query.filter(\.$chargedOn >= from.iso) }
        if let to = filter.to { query.filter(\.$chargedOn <= to.iso) }
        if let service = filter.serviceID { query.filter(\.$serviceID == service) }
        let text = filter.search.trimmingCharacters(in: .whitespaces)
            .replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "")
        if !text.isEmpty {
            let like: DatabaseQuery.Filter.Method = .custom((db as? any SQLDatabase)?.dialect.name == "postgresql" ? "ILIKE" : "LIKE")
            query.filter(\.$summary, like, "%\(text)%")
        }
        return query
    }

    /// One page of expenses, newest first, with the totals of everything the filter matches.
    public func page(account: AccountRecord, filter: Filter, page: PageRequest) async throws -> (Page<ExpenseRecord>, Totals) {
        let base = query(account: account, filter: filter)
        let currency = Currency.named(account.currency) ?? context.provider.defaultCurrency
        let count = try await base.copy().count()
        let (amount, paid, tax) = try await sums(account: account, filter: filter)
        let items = try await base.copy().sort(\.$chargedOn, .descending).sort(\.$createdAt, .descending)
            .offset(page.offset).limit(page.size).all()
        return (Page(items: items, total: count, request: page),
                Totals(amount: Money(units: amount, currency: currency), unpaid: Money(units: amount - paid, currency: currency),
                       tax: Money(units: tax, currency: currency), count: count))
    }

    /// The sums of amount, paid part and tax over the filter, computed by the database. SUM of a
    /// bigint is numeric in PostgreSQL; the cast brings it back to a 64-bit integer on both.
    private func sums(account: AccountRecord, filter: Filter) async throws -> (Int64, Int64, Int64) {
        guard let sql = context.database as? any SQLDatabase else { return (0, 0, 0) }
        var conditions: [SQLQueryString] = ["account_id = \(bind: account.id!)", "currency = \(bind: account.currency)"]
        if let from = filter.from { conditions.append("charged_on >= \(bind: from.iso)") }
        if let to = filter.to { conditions.append("charged_on <= \(bind: to.iso)") }
        if let service = filter.serviceID { conditions.append("service_id = \(bind: service)") }
        let text = filter.search.trimmingCharacters(in: .whitespaces)
            .replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "")
        if !text.isEmpty {
            let like: SQLQueryString = sql.dialect.name == "postgresql" ? "ILIKE" : "LIKE"
            conditions.append("description \(like) \(bind: "%\(text)%")")
        }
        var query: SQLQueryString = """
            SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS amount, CAST(COALESCE(SUM(paid_amount), 0) AS BIGINT) AS paid,
            CAST(COALESCE(SUM(tax), 0) AS BIGINT) AS tax FROM expenses WHERE \(conditions[0])
            """
        for condition in conditions.dropFirst() { query = query + " AND " + condition }
        guard let row = try await sql.raw(query).first() else { return (0, 0, 0) }
        return (try row.decode(column: "amount", as: Int64.self), try row.decode(column: "paid", as: Int64.self),
                try row.decode(column: "tax", as: Int64.self))
    }

    /// Every expense the filter matches as CSV (RFC 4180, plain amounts with a dot), oldest
    /// first, for a bookkeeper's spreadsheet.
    public func csv(account: AccountRecord, filter: Filter) async throws -> String {
        let rows = try await query(account: account, filter: filter).sort(\.$chargedOn).sort(\.$createdAt).limit(100_000).all()
        var out = "id,service,charged_on,period_from,period_to,amount,tax,tax_rate,unpaid,currency,paid_by\r\n"
        for row in rows {
            guard let currency = Currency.named(row.currency) else { continue }
            let fields = [row.id!.uuidString.lowercased(), row.summary, row.chargedOn, row.periodFrom ?? "", row.periodTo ?? "",
                          MoneyFormat.plain(Money(units: row.amount, currency: currency)),
                          MoneyFormat.plain(Money(units: row.tax, currency: currency)),
                          TaxRate(basisPoints: row.taxRate).description.replacingOccurrences(of: " ", with: ""),
                          MoneyFormat.plain(Money(units: row.amount - row.paidAmount, currency: currency)),
                          row.currency, row.ledgerTransactionID?.uuidString.lowercased() ?? ""]
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
