import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Another address of a user and the mail it receives a copy of.
public struct AlternativeEmail: Sendable, Hashable, Identifiable {
    public let id: UUID
    public let email: String
    public let categories: Set<MailCategory>
    /// Whether its owner followed the confirmation link; until then it receives nothing.
    public let confirmed: Bool
}

public enum AlternativeEmailError: Error, Equatable, Sendable {
    case invalidEmail
    /// The user's own login address, or one listed already.
    case duplicate
    case tooMany(Int)
    case notFound
    /// The confirmation link was sent less than a minute ago.
    case tooSoon
}

/// A user's other e-mail addresses (ACC-6): each receives a copy of the categories of mail the
/// user ticks (invoices and orders, services, technical tickets, newsletters). Security mail (reset
/// and sign-in links, password changes) goes to the login address only.
public struct AlternativeEmails: Sendable {
    let context: EngineContext
    public static let limit = 5
    /// What an alternative address may receive.
    public static let categories: [MailCategory] = [.finance, .services, .support, .news]

    public init(context: EngineContext) { self.context = context }

    private func own(_ caller: Caller) throws -> UUID {
        guard caller.account != nil, let id = caller.initiator.userID else { throw PlainRefusal.forbidden }
        return id
    }

    public func list(caller: Caller) async throws -> [AlternativeEmail] {
        try await UserEmailRecord.query(on: context.database).filter(\.$userID == own(caller)).sort(\.$createdAt).all().map(Self.value)
    }

    @discardableResult
    public func add(_ rawEmail: String, categories: Set<MailCategory>, caller: Caller) async throws -> AlternativeEmail {
        let userID = try own(caller)
        guard let email = EmailAddress.normalized(rawEmail) else { throw AlternativeEmailError.invalidEmail }
        guard let user = try await UserRecord.find(userID, on: context.database) else { throw PlainRefusal.forbidden }
        let existing = try await UserEmailRecord.query(on: context.database).filter(\.$userID == userID).all()
        guard email != user.email, !existing.contains(where: { $0.email == email }) else { throw AlternativeEmailError.duplicate }
        guard existing.count < Self.limit else { throw AlternativeEmailError.tooMany(Self.limit) }
        let record = UserEmailRecord(userID: userID, email: email, categories: Self.stored(categories), createdAt: context.clock.now)
        try await context.database.transaction { db in
            try await record.create(on: db)
            try await sendConfirmation(record, user: user, on: db)
        }
        return Self.value(record)
    }

    /// Sends the confirmation link again (a new token) to an address not yet confirmed; at most
    /// once a minute.
    public func resendConfirmation(_ id: UUID, caller: Caller) async throws {
        let record = try await find(id, caller)
        guard record.confirmedAt == nil else { return }
        guard let user = try await UserRecord.find(record.userID, on: context.database) else { throw PlainRefusal.forbidden }
        let since = context.clock.now.addingTimeInterval(-60)
        if try await OutboxEmailRecord.query(on: context.database).filter(\.$link == .emailConfirmation).filter(\.$linkUserID == id)
            .filter(\.$createdAt > since).first() != nil
        {
            throw AlternativeEmailError.tooSoon
        }
        try await sendConfirmation(record, user: user, on: context.database)
    }

    public static let confirmationLifetime: TimeInterval = 72 * 3600

    private func sendConfirmation(_ record: UserEmailRecord, user: UserRecord, on db: any Database) async throws {
        let language = user.language ?? context.provider.defaultLanguage
        let arguments = [
            "name": user.name, "provider": context.provider.name, "email": record.email,
            "link": context.links.url(MailLink.emailConfirmation)
        ]
        try await context.outbox.enqueue(
            to: record.email, subject: context.texts.text("email.alt_confirm.subject", language, arguments),
            body: context.texts.text("email.alt_confirm.body", language, arguments), category: .security, accountID: user.accountID,
            language: language, link: Outbox.Link(kind: .emailConfirmation, userID: record.id!), on: db)
    }

    static func confirmationDigest(_ token: String) -> String { SecretToken.digest("altmail:" + token) }

    /// A new token for the address's link, its digest stored; `nil` when the address is gone or
    /// already confirmed.
    func issueConfirmation(for emailID: UUID, on db: any Database) async throws -> String? {
        guard let record = try await UserEmailRecord.find(emailID, on: db), record.confirmedAt == nil else { return nil }
        let token = SecretToken.generate()
        record.confirmTokenHash = Self.confirmationDigest(token)
        record.confirmExpiresAt = context.clock.now.addingTimeInterval(Self.confirmationLifetime)
        try await record.save(on: db)
        return token
    }

    /// Follows a confirmation link: the address it names, now confirmed; `nil` for a link that
    /// is unknown, used or expired.
    public func confirm(token: String) async throws -> String? {
        guard !token.isEmpty, token.count <= 100,
            let record = try await UserEmailRecord.query(on: context.database).filter(\.$confirmTokenHash == Self.confirmationDigest(token))
                .first(),
            let expires = record.confirmExpiresAt, expires > context.clock.now
        else { return nil }
        record.confirmedAt = context.clock.now
        record.confirmTokenHash = nil
        record.confirmExpiresAt = nil
        try await record.save(on: context.database)
        return record.email
    }

    public func setCategories(_ id: UUID, _ categories: Set<MailCategory>, caller: Caller) async throws {
        let record = try await find(id, caller)
        record.categories = Self.stored(categories)
        try await record.save(on: context.database)
    }

    public func remove(_ id: UUID, caller: Caller) async throws {
        try await find(id, caller).delete(on: context.database)
    }

    /// The addresses that receive a copy of a message of `category` sent to `recipient`, a user
    /// of `accountID`.
    func copies(of recipient: String, accountID: UUID, category: MailCategory, on db: any Database) async throws -> [String] {
        guard Self.categories.contains(category) else { return [] }
        // One query per message: the outbox asks this for every e-mail it queues.
        return try await UserEmailRecord.query(on: db).join(UserRecord.self, on: \UserEmailRecord.$userID == \UserRecord.$id)
            .filter(UserRecord.self, \.$email == recipient).filter(UserRecord.self, \.$accountID == accountID)
            .filter(\.$confirmedAt != nil)
            .sort(\.$createdAt).all().filter { Self.parse($0.categories).contains(category) }.map(\.email)
    }

    private func find(_ id: UUID, _ caller: Caller) async throws -> UserEmailRecord {
        guard let record = try await UserEmailRecord.find(id, on: context.database), record.userID == (try own(caller)) else {
            throw AlternativeEmailError.notFound
        }
        return record
    }

    static func stored(_ categories: Set<MailCategory>) -> String {
        Self.categories.filter(categories.contains).map(\.rawValue).joined(separator: " ")
    }

    static func parse(_ stored: String) -> Set<MailCategory> {
        Set(stored.split(separator: " ").compactMap { MailCategory(rawValue: String($0)) }.filter(categories.contains))
    }

    static func value(_ record: UserEmailRecord) -> AlternativeEmail {
        AlternativeEmail(id: record.id!, email: record.email, categories: parse(record.categories), confirmed: record.confirmedAt != nil)
    }
}

extension AlternativeEmailError: Refusal {
    public var code: String {
        switch self {
        case .invalidEmail: "invalid_email"
        case .duplicate: "duplicate_email"
        case .tooMany: "too_many_emails"
        case .notFound: "not_found"
        case .tooSoon: "too_many_requests"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .notFound: .notFound
        case .tooSoon: .tooManyRequests
        case .duplicate: .conflict
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .invalidEmail: "error.signup.invalidEmail"
        case .duplicate: "error.emails.duplicate"
        case .tooMany: "error.emails.too_many"
        case .notFound: "error.emails.not_found"
        case .tooSoon: "error.emails.too_soon"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        if case .tooMany(let limit) = self { return ["limit": .number(limit)] }
        return [:]
    }
}
