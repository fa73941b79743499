import BillingDomain
import FluentKit
import FluentSQL
import Foundation

/// A record that passes over thousands of rows (the renewal pass, the scale demo, the benchmark)
/// write as plain multi-row INSERTs (`BatchInsert`) and read from plain SELECTs.
///
/// Fluent finds a model's fields by reflection (`Mirror`) every time it encodes or decodes one:
/// measured, that was a third of the CPU of filling a database with a hundred thousand accounts
/// and the largest cost of the renewal pass. Here the columns are listed by hand, once.
/// `PlainRecordTests` proves, for every conforming record, that the columns are exactly the
/// model's fields and that a record written one way reads back identical the other way.
public protocol PlainRecord: Model {
    /// Every column of the table, in the order of `plainValues`.
    static var plainColumns: [String] { get }
    /// The record's value of each of `plainColumns`.
    var plainValues: [any Encodable & Sendable] { get }
}

/// A `PlainRecord` that can also be read from a plain SELECT of its columns.
public protocol PlainReadable: PlainRecord {
    /// The record as stored in `row`, marked as existing (so it updates, never inserts again).
    /// In a join, each column is read as `<prefix><column>` (see `columnList(of:)`).
    init(plainRow row: some SQLRow, prefix: String) throws
}

extension PlainReadable {
    public init(plainRow row: some SQLRow) throws { try self.init(plainRow: row, prefix: "") }

    /// The records of a plain SELECT of every column.
    public static func plainRead(_ query: SQLQueryString, on sql: any SQLDatabase) async throws -> [Self] {
        try await sql.raw(query).all().map { try Self(plainRow: $0) }
    }

    /// Every column, for a plain SELECT: `SELECT \(columnList) FROM …`.
    public static var columnList: SQLQueryString { "\(unsafeRaw: plainColumns.map { "\"\($0)\"" }.joined(separator: ", "))" }

    /// Every column of the table aliased `alias` in a join, each named `<alias>_<column>`:
    /// read the record back with `init(plainRow:prefix: "<alias>_")`. The names are the
    /// record's own constants, quoted as both databases quote identifiers.
    public static func columnList(of alias: String) -> SQLQueryString {
        "\(unsafeRaw: plainColumns.map { "\"\(alias)\".\"\($0)\" AS \"\(alias)_\($0)\"" }.joined(separator: ", "))"
    }
}

/// Reads a record's columns under a prefix.
struct PrefixedRow<Row: SQLRow> {
    let row: Row
    let prefix: String

    func value<T: Decodable>(_ column: String) throws -> T { try row.decode(column: prefix + column, as: T.self) }
}

extension AccountRecord: PlainReadable {
    public static let plainColumns = [
        "id", "client_code", "name", "country", "registered_on", "currency", "language", "status", "created_at", "search_text",
        "allowed_networks", "code_word_hash"
    ]

    public var plainValues: [any Encodable & Sendable] {
        [id, clientCode, name, country, registeredOn, currency, language, status, createdAt, searchText, allowedNetworks, codeWordHash]
    }

    public convenience init(plainRow plain: some SQLRow, prefix: String) throws {
        let row = PrefixedRow(row: plain, prefix: prefix)
        self.init(
            id: try row.value("id"), clientCode: try row.value("client_code"), name: try row.value("name"),
            country: try row.value("country"), registeredOn: try row.value("registered_on"), currency: try row.value("currency"),
            language: try row.value("language"), status: try row.value("status"), createdAt: try row.value("created_at"))
        searchText = try row.value("search_text")
        allowedNetworks = try row.value("allowed_networks")
        codeWordHash = try row.value("code_word_hash")
        $id.exists = true
    }
}

extension UserRecord: PlainReadable {
    public static let plainColumns = [
        "id", "account_id", "email", "name", "password_hash", "is_owner", "enabled", "phone", "language", "last_login_at",
        "email_confirmed_at", "rights", "created_at", "search_text", "invited_by", "deleted_at", "phone_confirmed_at"
    ]

    public var plainValues: [any Encodable & Sendable] {
        [
            id, accountID, email, name, passwordHash, isOwner, enabled, phone, language, lastLoginAt, emailConfirmedAt, rights, createdAt,
            searchText, invitedBy, deletedAt, phoneConfirmedAt
        ]
    }

    public convenience init(plainRow plain: some SQLRow, prefix: String) throws {
        let row = PrefixedRow(row: plain, prefix: prefix)
        self.init(
            id: try row.value("id"), accountID: try row.value("account_id"), email: try row.value("email"), name: try row.value("name"),
            passwordHash: try row.value("password_hash"), isOwner: try row.value("is_owner"), enabled: try row.value("enabled"),
            phone: try row.value("phone"), language: try row.value("language"), createdAt: try row.value("created_at"),
            emailConfirmedAt: try row.value("email_confirmed_at"))
        lastLoginAt = try row.value("last_login_at")
        rights = try row.value("rights")
        searchText = try row.value("search_text")
        invitedBy = try row.value("invited_by")
        deletedAt = try row.value("deleted_at")
        phoneConfirmedAt = try row.value("phone_confirmed_at")
        $id.exists = true
    }
}

extension ServiceRecord: PlainReadable {
    public static let plainColumns = [
        "id", "account_id", "number", "plan_id", "product_type", "plan_name", "domain_name", "os_image", "addons", "status",
        "operation", "period", "currency", "recurring_amount", "auto_renew", "saved_method_id", "anchor_on", "periods_paid",
        "expires_on", "is_trial", "ip_address", "expired_on", "created_at", "updated_at"
    ]

    public var plainValues: [any Encodable & Sendable] {
        [
            id, accountID, number, planID, productType, planName, domainName, osImage, addons, status, operation, period, currency,
            recurringAmount, autoRenew, savedMethodID, anchorOn, periodsPaid, expiresOn, isTrial, ipAddress, expiredOn, createdAt,
            updatedAt
        ]
    }

    public convenience init(plainRow plain: some SQLRow, prefix: String) throws {
        let row = PrefixedRow(row: plain, prefix: prefix)
        self.init(
            id: try row.value("id"), accountID: try row.value("account_id"), number: try row.value("number"),
            planID: try row.value("plan_id"), productType: try row.value("product_type"), planName: try row.value("plan_name"),
            domainName: try row.value("domain_name"), osImage: try row.value("os_image"), addons: try row.value("addons"),
            status: try row.value("status"), period: try row.value("period"), currency: try row.value("currency"),
            recurringAmount: try row.value("recurring_amount"), autoRenew: try row.value("auto_renew"),
            anchorOn: try row.value("anchor_on"), periodsPaid: try row.value("periods_paid"), expiresOn: try row.value("expires_on"),
            isTrial: try row.value("is_trial"), createdAt: try row.value("created_at"))
        operation = try row.value("operation")
        savedMethodID = try row.value("saved_method_id")
        ipAddress = try row.value("ip_address")
        expiredOn = try row.value("expired_on")
        updatedAt = try row.value("updated_at")
        $id.exists = true
    }
}

extension ServiceEventRecord: PlainRecord {
    public static let plainColumns = ["id", "service_id", "at", "event", "from_status", "to_status", "actor", "note"]

    public var plainValues: [any Encodable & Sendable] { [id, serviceID, at, event, fromStatus, toStatus, actor, note] }
}

extension ExpenseRecord: PlainReadable {
    public static let plainColumns = [
        "id", "account_id", "service_id", "description", "charged_on", "period_from", "period_to", "amount", "tax", "tax_rate",
        "currency", "paid_amount", "ledger_transaction_id", "idempotency_key", "created_at"
    ]

    public var plainValues: [any Encodable & Sendable] {
        [
            id, accountID, serviceID, summary, chargedOn, periodFrom, periodTo, amount, tax, taxRate, currency, paidAmount,
            ledgerTransactionID, idempotencyKey, createdAt
        ]
    }

    public convenience init(plainRow plain: some SQLRow, prefix: String) throws {
        let row = PrefixedRow(row: plain, prefix: prefix)
        self.init(
            id: try row.value("id"), accountID: try row.value("account_id"), serviceID: try row.value("service_id"),
            summary: try row.value("description"), chargedOn: try row.value("charged_on"), periodFrom: try row.value("period_from"),
            periodTo: try row.value("period_to"), amount: try row.value("amount"), tax: try row.value("tax"),
            taxRate: try row.value("tax_rate"), currency: try row.value("currency"), paidAmount: try row.value("paid_amount"),
            ledgerTransactionID: try row.value("ledger_transaction_id"), idempotencyKey: try row.value("idempotency_key"),
            createdAt: try row.value("created_at"))
        $id.exists = true
    }
}

extension PaymentRecord: PlainReadable {
    public static let plainColumns = [
        "id", "account_id", "number", "method_id", "method_kind", "purpose", "order_id", "service_id", "payer_id", "saved_method_id",
        "cashback_of", "currency", "amount", "commission", "total", "cashback", "refunded", "status", "save_method",
        "gateway_session_id", "gateway_payment_id", "redirect_url", "failure", "idempotency_key", "created_at", "credited_at",
        "ledger_transaction_id", "confirmed_by", "received_on", "bank_reference"
    ]

    public var plainValues: [any Encodable & Sendable] {
        [
            id, accountID, number, methodID, channel, purpose, orderID, serviceID, payerID, savedMethodID, cashbackOf, currency, amount,
            commission, total, cashback, refunded, status, saveMethod, gatewaySessionID, gatewayPaymentID, redirectURL, failure,
            idempotencyKey, createdAt, creditedAt, ledgerTransactionID, confirmedBy, receivedOn, bankReference
        ]
    }

    public convenience init(plainRow plain: some SQLRow, prefix: String) throws {
        let row = PrefixedRow(row: plain, prefix: prefix)
        self.init(
            id: try row.value("id"), accountID: try row.value("account_id"), number: try row.value("number"),
            methodID: try row.value("method_id"), channel: try row.value("method_kind"), purpose: try row.value("purpose"),
            currency: try row.value("currency"), amount: try row.value("amount"), commission: try row.value("commission"),
            total: try row.value("total"), cashback: try row.value("cashback"), status: try row.value("status"),
            idempotencyKey: try row.value("idempotency_key"), createdAt: try row.value("created_at"))
        orderID = try row.value("order_id")
        serviceID = try row.value("service_id")
        payerID = try row.value("payer_id")
        savedMethodID = try row.value("saved_method_id")
        cashbackOf = try row.value("cashback_of")
        refunded = try row.value("refunded")
        saveMethod = try row.value("save_method")
        gatewaySessionID = try row.value("gateway_session_id")
        gatewayPaymentID = try row.value("gateway_payment_id")
        redirectURL = try row.value("redirect_url")
        failure = try row.value("failure")
        creditedAt = try row.value("credited_at")
        ledgerTransactionID = try row.value("ledger_transaction_id")
        confirmedBy = try row.value("confirmed_by")
        receivedOn = try row.value("received_on")
        bankReference = try row.value("bank_reference")
        $id.exists = true
    }
}

extension OrderRecord: PlainRecord {
    public static let plainColumns = [
        "id", "account_id", "number", "status", "currency", "total", "tax", "payment_method", "created_at", "paid_at"
    ]

    public var plainValues: [any Encodable & Sendable] {
        [id, accountID, number, status, currency, total, tax, paymentMethod, createdAt, paidAt]
    }
}

extension OrderItemRecord: PlainRecord {
    public static let plainColumns = [
        "id", "account_id", "order_id", "kind", "plan_id", "service_id", "period", "domain_name", "os_image", "addons", "trial",
        "promo_code", "quote", "amount", "tax", "created_at", "quick"
    ]

    public var plainValues: [any Encodable & Sendable] {
        [
            id, accountID, orderID, kind, planID, serviceID, period, domainName, osImage, addons, trial, promoCode, quote, amount, tax,
            createdAt, quick
        ]
    }
}

extension WebSessionRecord: PlainReadable {
    public static let plainColumns = [
        "id", "token_hash", "realm", "principal_id", "created_at", "last_seen_at", "expires_at", "ip", "user_agent"
    ]

    public var plainValues: [any Encodable & Sendable] {
        [id, tokenHash, realm, principalID, createdAt, lastSeenAt, expiresAt, ip, userAgent]
    }

    public convenience init(plainRow plain: some SQLRow, prefix: String) throws {
        let row = PrefixedRow(row: plain, prefix: prefix)
        self.init(
            id: try row.value("id"), tokenHash: try row.value("token_hash"), realm: try row.value("realm"),
            principalID: try row.value("principal_id"), createdAt: try row.value("created_at"), expiresAt: try row.value("expires_at"),
            ip: try row.value("ip"), userAgent: try row.value("user_agent"))
        lastSeenAt = try row.value("last_seen_at")
        $id.exists = true
    }
}

extension APITokenRecord: PlainReadable {
    public static let plainColumns = [
        "id", "user_id", "name", "token_hash", "scopes", "last_used_at", "expires_at", "revoked_at", "created_at"
    ]

    public var plainValues: [any Encodable & Sendable] {
        [id, userID, name, tokenHash, scopes, lastUsedAt, expiresAt, revokedAt, createdAt]
    }

    public convenience init(plainRow plain: some SQLRow, prefix: String) throws {
        let row = PrefixedRow(row: plain, prefix: prefix)
        self.init(
            id: try row.value("id"), userID: try row.value("user_id"), name: try row.value("name"), tokenHash: try row.value("token_hash"),
            scopes: try row.value("scopes"), expiresAt: try row.value("expires_at"), createdAt: try row.value("created_at"))
        lastUsedAt = try row.value("last_used_at")
        revokedAt = try row.value("revoked_at")
        $id.exists = true
    }
}

extension PaymentMethodRecord: PlainReadable {
    public static let plainColumns = [
        "id", "kind", "name", "descriptions", "translations", "currency", "commission_bp", "commission_fixed", "minimum", "maximum",
        "cashback_bp", "payer_kinds", "enabled", "position", "created_at"
    ]

    public var plainValues: [any Encodable & Sendable] {
        [
            id, kind, name, descriptions, translations, currency, commissionBasisPoints, commissionFixed, minimum, maximum,
            cashbackBasisPoints, payerKinds, enabled, position, createdAt
        ]
    }

    public convenience init(plainRow plain: some SQLRow, prefix: String) throws {
        let row = PrefixedRow(row: plain, prefix: prefix)
        self.init(
            id: try row.value("id"), kind: try row.value("kind"), name: try row.value("name"), descriptions: try row.value("descriptions"),
            currency: try row.value("currency"), commissionBasisPoints: try row.value("commission_bp"),
            commissionFixed: try row.value("commission_fixed"), minimum: try row.value("minimum"), maximum: try row.value("maximum"),
            cashbackBasisPoints: try row.value("cashback_bp"), payerKinds: try row.value("payer_kinds"), enabled: try row.value("enabled"),
            position: try row.value("position"), createdAt: try row.value("created_at"))
        translations = try row.value("translations")
        $id.exists = true
    }
}
