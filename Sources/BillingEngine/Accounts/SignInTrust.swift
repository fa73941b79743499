import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Browsers that signed in before. A successful web login leaves a long-lived cookie whose digest
/// is kept here; while strangers' wrong passwords have locked an e-mail's logins, a right password
/// from such a browser still gets in (probe finding 2: 105 wrong passwords from 21 addresses
/// locked the owner out for an hour).
public struct TrustedDevices: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// How long a browser stays trusted after its last login.
    public static let lifetime: TimeInterval = 90 * 24 * 3600

    /// Trusts the browser of a login that just succeeded and answers its new cookie value; the
    /// value it brought (if any) stops working.
    public func remember(realm: Realm, principalID: UUID, replacing old: String?) async throws -> String {
        let token = SecretToken.generate()
        let now = context.clock.now
        try await context.database.transaction { db in
            if let old, !old.isEmpty, old.count <= 100 {
                try await TrustedDeviceRecord.query(on: db).filter(\.$tokenHash == SecretToken.digest(old)).delete()
            }
            try await TrustedDeviceRecord(
                realm: realm.rawValue, principalID: principalID, tokenHash: SecretToken.digest(token),
                expiresAt: now.addingTimeInterval(Self.lifetime), createdAt: now
            ).create(on: db)
        }
        return token
    }

    /// Whether `token` is a trusted browser of this principal.
    public func isTrusted(_ token: String?, realm: Realm, principalID: UUID) async throws -> Bool {
        guard let token, !token.isEmpty, token.count <= 100 else { return false }
        guard
            let record = try await TrustedDeviceRecord.query(on: context.database).filter(\.$tokenHash == SecretToken.digest(token)).first()
        else { return false }
        return record.realm == realm.rawValue && record.principalID == principalID && record.expiresAt > context.clock.now
    }

    /// A new password: no browser is trusted any more.
    func forgetAll(realm: Realm, principalID: UUID, on db: any Database) async throws {
        try await TrustedDeviceRecord.query(on: db).filter(\.$realm == realm.rawValue).filter(\.$principalID == principalID).delete()
    }
}

/// The e-mailed second step of a login from a browser not trusted yet, while the e-mail's logins
/// are locked: a single-use link that works for a quarter of an hour. The login form answers the
/// same for a right and a wrong password then, and only a right one mails the link, so a guesser
/// learns nothing and the owner gets in through their mailbox.
public struct SignInLinks: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public static let lifetime: TimeInterval = 15 * 60
    /// At most one link per this interval, however often the right password is typed.
    public static let resendInterval: TimeInterval = 10 * 60

    static func digest(_ token: String, realm: Realm) -> String { SecretToken.digest("signin:\(realm.rawValue):" + token) }

    /// Mails a sign-in link to the principal, unless one was queued within `resendInterval`.
    func send(realm: Realm, principalID: UUID, email: String, name: String, language: Language, accountID: UUID?) async throws {
        let kind: MailLink = realm == .client ? .signIn : .staffSignIn
        let now = context.clock.now
        guard
            try await OutboxEmailRecord.query(on: context.database).filter(\.$linkUserID == principalID).filter(\.$link == kind)
                .filter(\.$createdAt > now.addingTimeInterval(-Self.resendInterval)).first() == nil
        else { return }
        let arguments = ["name": name, "provider": context.provider.name, "minutes": "15", "link": context.links.url(kind)]
        try await context.outbox.enqueue(
            to: email, subject: context.texts.text("email.signin.subject", language, arguments),
            body: context.texts.text("email.signin.body", language, arguments), category: .security, accountID: accountID,
            language: language, link: Outbox.Link(kind: kind, userID: principalID), on: context.database)
        context.log(.access).info(
            "sign-in link queued", metadata: ["realm": .string(realm.rawValue), "principal": .string(principalID.uuidString)])
    }

    /// A new token for a link being sent, its digest stored (`MailJobs`).
    func issue(realm: Realm, principalID: UUID, on db: any Database) async throws -> String {
        let token = SecretToken.generate()
        let now = context.clock.now
        try await SignInLinkRecord(
            realm: realm.rawValue, principalID: principalID, tokenHash: Self.digest(token, realm: realm),
            expiresAt: now.addingTimeInterval(Self.lifetime), createdAt: now
        ).create(on: db)
        return token
    }

    private func usable(_ token: String, realm: Realm, on db: any Database) async throws -> SignInLinkRecord? {
        guard !token.isEmpty, token.count <= 100,
            let record = try await SignInLinkRecord.query(on: db).filter(\.$tokenHash == Self.digest(token, realm: realm)).first(),
            record.usedAt == nil, record.expiresAt > context.clock.now
        else { return nil }
        return record
    }

    /// Whether the link still works (its page, or the "expired" one).
    public func isUsable(_ token: String, realm: Realm) async throws -> Bool {
        try await usable(token, realm: realm, on: context.database) != nil
    }

    /// Follows the link: spends it (and the principal's other links) and answers who signs in.
    public func use(_ token: String, realm: Realm) async throws -> UUID {
        let now = context.clock.now
        return try await context.database.transaction { db in
            guard let record = try await usable(token, realm: realm, on: db) else { throw SignInLinkError.invalidOrExpiredLink }
            let enabled: Bool =
                switch realm {
                case .client: try await UserRecord.find(record.principalID, on: db)?.enabled ?? false
                case .staff: try await StaffUserRecord.find(record.principalID, on: db)?.enabled ?? false
                }
            guard enabled else { throw SignInLinkError.invalidOrExpiredLink }
            try await SignInLinkRecord.query(on: db).filter(\.$principalID == record.principalID).filter(\.$usedAt == nil)
                .set(\.$usedAt, to: now).update()
            context.log(.access).info(
                "signed in by link", metadata: ["realm": .string(realm.rawValue), "principal": .string(record.principalID.uuidString)])
            return record.principalID
        }
    }
}

/// Why a sign-in link could not be used.
public enum SignInLinkError: Error, Equatable, Sendable {
    /// Unknown, used or expired.
    case invalidOrExpiredLink
}

extension SignInLinkError: Refusal {
    public var code: String { "link_expired" }
    public var status: RefusalStatus { .gone }
    public var textKey: String { "signin.link_expired" }
}
