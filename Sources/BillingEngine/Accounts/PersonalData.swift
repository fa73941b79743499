import BillingDomain
import BillingStore
import FluentKit
import Foundation

public enum PersonalDataError: Error, Equatable, Sendable {
    /// An export was sent within the hour: the next one waits.
    case exportRecentlySent
}

/// A user's personal data (ACC-7): the export, mailed as CSV to the login address. The file is
/// made when the message leaves (`MailJobs`), so the outbox never holds the data and the export
/// is as of the sending.
public struct PersonalData: Sendable {
    let context: EngineContext
    public static let exportInterval: TimeInterval = 3600

    public init(context: EngineContext) { self.context = context }

    /// Queues the e-mail with the export to the caller's login address.
    public func requestExport(caller: Caller) async throws {
        guard caller.account != nil, let userID = caller.initiator.userID,
            let user = try await UserRecord.find(userID, on: context.database)
        else { throw PlainRefusal.forbidden }
        let since = context.clock.now.addingTimeInterval(-Self.exportInterval)
        if try await OutboxEmailRecord.query(on: context.database).filter(\.$linkUserID == userID).filter(\.$attachment == .personalData)
            .filter(\.$createdAt > since).first() != nil
        {
            throw PersonalDataError.exportRecentlySent
        }
        let language = user.language ?? context.provider.defaultLanguage
        let arguments = ["name": user.name, "provider": context.provider.name]
        try await context.outbox.enqueue(
            to: user.email, subject: context.texts.text("email.personal_data.subject", language, arguments),
            body: context.texts.text("email.personal_data.body", language, arguments), category: .security, accountID: user.accountID,
            language: language, attachment: (.personalData, userID), on: context.database)
    }

    /// The export: one row per fact, `section,field,value`, UTF-8 with a byte-order mark so that
    /// spreadsheet programs read Cyrillic right; `nil` when the user is gone.
    func csv(userID: UUID) async throws -> Data? {
        let db = context.database
        guard let user = try await UserRecord.find(userID, on: db), user.deletedAt == nil,
            let account = try await AccountRecord.find(user.accountID, on: db)
        else { return nil }
        var rows: [[String]] = [["section", "field", "value"]]
        func add(_ section: String, _ field: String, _ value: String?) { rows.append([section, field, value ?? ""]) }
        let iso = ISO8601DateFormatter()
        add("user", "email", user.email)
        add("user", "name", user.name)
        add("user", "phone", user.phone)
        add("user", "language", user.language?.rawValue)
        add("user", "created_at", iso.string(from: user.createdAt))
        add("user", "last_login_at", user.lastLoginAt.map(iso.string))
        add("user", "rights", user.isOwner ? "owner" : ClientRight.stored(user.clientRights))
        add("account", "client_code", String(account.clientCode))
        add("account", "name", account.name)
        add("account", "country", account.country)
        add("account", "registered_on", account.registeredOn)
        for email in try await UserEmailRecord.query(on: db).filter(\.$userID == userID).all() {
            add("other_email", email.email, email.categories)
        }
        for payer in try await PayerRecord.query(on: db).filter(\.$accountID == account.id!).all() {
            add("payer", payer.kind.rawValue, payer.name)
        }
        for session in try await WebSessionRecord.query(on: db).filter(\.$principalID == userID).filter(\.$realm == "client").all() {
            add("session", iso.string(from: session.createdAt), [session.ip ?? "", session.userAgent ?? ""].joined(separator: " "))
        }
        for event in try await LoginEventRecord.query(on: db).filter(\.$principalID == userID).sort(\.$at, .descending).limit(200).all() {
            add("login", iso.string(from: event.at), [event.outcome.rawValue, event.channel.rawValue, event.ip].joined(separator: " "))
        }
        let text = rows.map { $0.map(Self.field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        return Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)
    }

    /// RFC 4180 quoting; a value a spreadsheet would run as a formula gets a leading apostrophe.
    static func field(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { ",\"\r\n".contains($0) }) || value != value.trimmingCharacters(in: .whitespaces) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

extension PersonalDataError: Refusal {
    public var code: String { "export_recently_sent" }
    public var status: RefusalStatus { .tooManyRequests }
    public var textKey: String { "error.personal_data.recent" }
}
