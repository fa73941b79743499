import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Another address of a user and the mail it receives a copy of.
public struct AlternativeEmail: Sendable, Hashable, Identifiable {
    public let id: UUID
    public let email: String
    public let categories: Set<MailCategory>
}

public enum AlternativeEmailError: Error, Equatable, Sendable {
    case invalidEmail
    /// The user's own login address, or one listed already.
    case duplicate
    case tooMany(Int)
    case notFound
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
        try await record.create(on: context.database)
        return Self.value(record)
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
        AlternativeEmail(id: record.id!, email: record.email, categories: parse(record.categories))
    }
}

extension AlternativeEmailError: Refusal {
    public var code: String {
        switch self {
        case .invalidEmail: "invalid_email"
        case .duplicate: "duplicate_email"
        case .tooMany: "too_many_emails"
        case .notFound: "not_found"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .notFound: .notFound
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
        }
    }

    public var textArguments: [String: RefusalArgument] {
        if case .tooMany(let limit) = self { return ["limit": .number(limit)] }
        return [:]
    }
}
