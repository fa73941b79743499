import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// What the header and the dashboard show about an account: who it is and where its money stands.
public struct AccountSummary: Sendable {
    public let account: Account
    public let currency: Currency
    /// What the account may spend now (the spending rule's view of its balance).
    public let spending: SpendingPower

    public var balance: Money { spending.balance }

    /// What the client owes: the negative part of the balance (zero when the balance is positive).
    public var debt: Money { balance.isNegative ? balance.negated : .zero(currency) }
}

extension AccountSummary {
    /// Whether an account has never ordered anything (no order, paid or not, and no service):
    /// the dashboard then shows the first steps. One statement.
    public static func isNewcomer(_ account: Account, context: EngineContext) async throws -> Bool {
        let row = try await context.database.sql.raw(
            """
            SELECT (SELECT COUNT(*) FROM orders WHERE account_id = \(bind: account.id))
            + (SELECT COUNT(*) FROM services WHERE account_id = \(bind: account.id)) AS n
            """
        ).first()
        return try row?.decode(column: "n", as: Int.self) == 0
    }

    public static func load(accountID: UUID, context: EngineContext) async throws -> AccountSummary? {
        guard let account = try await AccountRecord.find(accountID, on: context.database) else { return nil }
        return try await load(account: context.value(account), context: context)
    }

    /// The summary of an account already read (from the session or the API token): every
    /// client page shows it, so it reads the balance and nothing else.
    public static func load(account: Account, context: EngineContext) async throws -> AccountSummary {
        let spending = try await context.ledger.spendingPower(of: account.id, in: account.currency)
        return AccountSummary(account: account, currency: account.currency, spending: spending)
    }
}

/// What a client user changes about themselves.
public struct UserPreferences: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// The language pages and e-mails are written in for this user.
    public func setLanguage(_ language: Language, userID: UUID) async throws {
        try await UserRecord.query(on: context.database).filter(\.$id == userID).set(\.$language, to: language).update()
    }
}

/// Staff's search over client accounts: by client code, account name, or a user's e-mail or name.
public struct ClientDirectory: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// The names of accounts by id, for staff lists that show whose a row is.
    public func names(of accountIDs: Set<UUID>) async throws -> [UUID: String] {
        guard !accountIDs.isEmpty else { return [:] }
        let records = try await AccountRecord.query(on: context.database).filter(\.$id ~~ Array(accountIDs)).all()
        return Dictionary(records.map { ($0.id!, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// The people who log in to an account, oldest first.
    public func users(of accountID: UUID) async throws -> [ClientUser] {
        try await UserRecord.query(on: context.database).filter(\.$accountID == accountID).sort(\.$createdAt).all().map(ClientUser.init)
    }

    public func search(_ text: String, page: PageRequest) async throws -> Page<Account> {
        let db = context.database
        let query = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let base = AccountRecord.query(on: db)
        if !query.isEmpty {
            // Folded text on both sides: case-insensitive in every script, on both databases
            // (a plain LIKE: SQLite's folds ASCII only, PostgreSQL's is case-sensitive).
            let like: DatabaseQuery.Filter.Method = .custom("LIKE")
            let pattern = SearchText.pattern(query)
            let userAccountIDs = try await UserRecord.query(on: db).filter(\.$searchText, like, pattern).limit(500).all(\.$accountID)
            base.group(.or) { group in
                if let code = Int(query) { group.filter(\.$clientCode == code) }
                group.filter(\.$searchText, like, pattern)
                if !userAccountIDs.isEmpty { group.filter(\.$id ~~ userAccountIDs) }
            }
        }
        let total = try await base.copy().count()
        let page = page.within(total: total)
        let items = try await base.sort(\.$clientCode, .descending).offset(page.offset).limit(page.size).all()
        return Page(items: items, total: total, request: page).map { Account($0, fallback: context.provider.defaultCurrency) }
    }
}
