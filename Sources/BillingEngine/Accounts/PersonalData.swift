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

/// A personal-data request as the user and staff see it.
public struct PrivacyRequest: Sendable, Hashable, Identifiable {
    public let id: UUID
    public let accountID: UUID
    public let userName: String
    public let userEmail: String
    public let kind: PrivacyRequestKind
    public let status: PrivacyRequestStatus
    public let message: String
    public let createdAt: Date
    public let handledAt: Date?
    public let answer: String?
}

public enum PrivacyRequestError: Error, Equatable, Sendable {
    /// The same kind of request is open already.
    case alreadyOpen
    case notFound
    case textTooLong
}

extension PrivacyRequestError: Refusal {
    public var code: String {
        switch self {
        case .alreadyOpen: "request_open"
        case .notFound: "not_found"
        case .textTooLong: "text_too_long"
        }
    }
    public var status: RefusalStatus {
        switch self {
        case .alreadyOpen: .conflict
        case .notFound: .notFound
        case .textTooLong: .unprocessable
        }
    }
    public var textKey: String { "error.privacy." + code }
}

extension PersonalData {
    /// Asks to erase the caller's personal data or restrict its use; staff handle it.
    @discardableResult
    public func request(_ kind: PrivacyRequestKind, message raw: String, caller: Caller) async throws -> PrivacyRequest {
        guard let account = caller.account, let userID = caller.initiator.userID else { throw PlainRefusal.forbidden }
        let message = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard message.count <= 2000 else { throw PrivacyRequestError.textTooLong }
        guard
            try await PrivacyRequestRecord.query(on: context.database).filter(\.$userID == userID).filter(\.$kind == kind)
                .filter(\.$status == .open).first() == nil
        else { throw PrivacyRequestError.alreadyOpen }
        let record = PrivacyRequestRecord(accountID: account.id, userID: userID, kind: kind, message: message, createdAt: context.clock.now)
        try await record.create(on: context.database)
        return try await values(PrivacyRequestRecord.query(on: context.database).filter(\.$id == record.id!))[0]
    }

    /// The caller's own requests, newest first.
    public func requests(caller: Caller) async throws -> [PrivacyRequest] {
        guard caller.account != nil, let userID = caller.initiator.userID else { throw PlainRefusal.forbidden }
        return try await values(PrivacyRequestRecord.query(on: context.database).filter(\.$userID == userID))
    }

    /// The staff queue: open requests first, then the rest, newest first.
    public func queue(caller: Caller) async throws -> [PrivacyRequest] {
        try caller.require(.manageStaff)
        let all = try await values(PrivacyRequestRecord.query(on: context.database))
        return all.filter { $0.status == .open } + all.filter { $0.status != .open }
    }

    /// Staff close a request as done or rejected, with an answer the user reads.
    public func handle(_ id: UUID, status: PrivacyRequestStatus, answer raw: String, caller: Caller) async throws {
        try caller.require(.manageStaff)
        guard case .staff(let staffID) = caller.initiator, status != .open else { throw PlainRefusal.badRequest }
        let answer = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard answer.count <= 2000 else { throw PrivacyRequestError.textTooLong }
        guard let record = try await PrivacyRequestRecord.find(id, on: context.database), record.status == .open else {
            throw PrivacyRequestError.notFound
        }
        record.status = status
        record.answer = answer.isEmpty ? nil : answer
        record.handledAt = context.clock.now
        record.handledBy = staffID
        try await record.save(on: context.database)
    }

    private func values(_ query: QueryBuilder<PrivacyRequestRecord>) async throws -> [PrivacyRequest] {
        let records = try await query.sort(\.$createdAt, .descending).limit(200).all()
        let users = Dictionary(
            uniqueKeysWithValues: try await UserRecord.query(on: context.database).filter(\.$id ~~ Set(records.map(\.userID))).all()
                .map { ($0.id!, $0) })
        return records.map { record in
            PrivacyRequest(
                id: record.id!, accountID: record.accountID, userName: users[record.userID]?.name ?? "",
                userEmail: users[record.userID]?.email ?? "", kind: record.kind, status: record.status, message: record.message,
                createdAt: record.createdAt, handledAt: record.handledAt, answer: record.answer)
        }
    }
}
