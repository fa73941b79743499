import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// Browser sessions in the database. A login always creates a new session (a new cookie value),
/// so a session id planted before login is worthless; logout deletes the row.
public struct WebSessions: Sendable {
    let context: EngineContext
    /// Idle time after which a session ends.
    public static let idleLifetime: TimeInterval = 12 * 3600
    /// However active, a session ends this long after login: a stolen cookie stops working.
    public static let absoluteLifetime: TimeInterval = 7 * 24 * 3600
    /// The row's expiry is moved forward at most this often, not on every request.
    static let touchInterval: TimeInterval = 60

    public init(context: EngineContext) { self.context = context }

    /// Starts a session and returns the secret cookie value (shown only to the browser).
    public func start(realm: Realm, principalID: UUID, ip: String?, userAgent: String?) async throws -> String {
        let token = SecretToken.generate()
        let now = context.clock.now
        try await WebSessionRecord(
            tokenHash: SecretToken.digest(token), realm: realm.rawValue, principalID: principalID,
            createdAt: now, expiresAt: now.addingTimeInterval(Self.idleLifetime),
            ip: ip, userAgent: userAgent.map { String($0.prefix(300)) }
        ).create(on: context.database)
        return token
    }

    /// The live session a cookie value names in a realm, or `nil`; extends its idle lifetime.
    public func resolve(token: String, realm: Realm) async throws -> WebSessionRecord? {
        guard token.count <= 100,
            let session = try await WebSessionRecord.query(on: context.database)
                .filter(\.$tokenHash == SecretToken.digest(token)).filter(\.$realm == realm.rawValue).first()
        else { return nil }
        return try await keepAlive(session) ? session : nil
    }

    /// A client's live session with its user and account, read in one plain query (every page
    /// of the client area asks this first); `nil` when the cookie names no live session.
    /// Whether the user and account may act is the caller's decision.
    public func resolveClient(token: String) async throws -> (session: WebSessionRecord, user: UserRecord, account: AccountRecord)? {
        guard token.count <= 100,
            let row = try await context.database.sql.raw(
                """
                SELECT \(WebSessionRecord.columnList(of: "s")), \(UserRecord.columnList(of: "u")), \(AccountRecord.columnList(of: "a"))
                FROM web_sessions s JOIN users u ON u.id = s.principal_id JOIN accounts a ON a.id = u.account_id
                WHERE s.token_hash = \(bind: SecretToken.digest(token)) AND s.realm = \(bind: Realm.client.rawValue)
                """
            ).first()
        else { return nil }
        let session = try WebSessionRecord(plainRow: row, prefix: "s_")
        guard try await keepAlive(session) else { return nil }
        return (session, try UserRecord(plainRow: row, prefix: "u_"), try AccountRecord(plainRow: row, prefix: "a_"))
    }

    /// Whether `session` is live: an expired one is deleted; a live one's idle expiry moves
    /// forward (at most once a `touchInterval`).
    private func keepAlive(_ session: WebSessionRecord) async throws -> Bool {
        let now = context.clock.now
        let end = session.createdAt.addingTimeInterval(Self.absoluteLifetime)
        guard session.expiresAt > now, end > now else {
            try await session.delete(on: context.database)
            return false
        }
        if now.timeIntervalSince(session.lastSeenAt) > Self.touchInterval {
            session.lastSeenAt = now
            session.expiresAt = min(now.addingTimeInterval(Self.idleLifetime), end)
            try await session.save(on: context.database)
        }
        return true
    }

    /// Ends the session a cookie value names.
    public func end(token: String) async throws {
        try await WebSessionRecord.query(on: context.database).filter(\.$tokenHash == SecretToken.digest(token)).delete()
    }

    /// Ends every session of a principal (after a password change).
    public func endAll(principalID: UUID, realm: Realm, on database: (any Database)? = nil) async throws {
        try await WebSessionRecord.query(on: database ?? context.database)
            .filter(\.$principalID == principalID).filter(\.$realm == realm.rawValue).delete()
    }
}
