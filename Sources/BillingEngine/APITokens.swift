import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Bearer tokens for the JSON API (API-1): issued for e-mail and password, stored hashed.
public struct APITokens: Sendable {
    let context: EngineContext
    public static let prefix = "bt_"

    public init(context: EngineContext) { self.context = context }

    public struct Issued: Sendable {
        public let id: UUID
        /// The token itself; shown once, never stored.
        public let token: String
        public let name: String
        public let scopes: [String]
        public let expiresAt: Date?
    }

    /// The user and account a token acts for.
    public struct Bearer: Sendable {
        public let tokenID: UUID
        public let user: UserRecord
        public let account: AccountRecord
        public let scopes: Set<String>
    }

    public func issue(email: String, password: String, name: String?, ip: String) async throws -> Issued {
        let principal = try await Authentication(context: context).login(realm: .client, email: email, password: password, ip: ip)
        let token = SecretToken.generate(prefix: Self.prefix)
        let label = name.map { String($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(100)) }.flatMap { $0.isEmpty ? nil : $0 }
            ?? "API token"
        let scopes = ["read", "write"]
        let expiresAt = context.clock.now.addingTimeInterval(365 * 86_400)
        let record = APITokenRecord(userID: principal.id, name: label, tokenHash: SecretToken.digest(token),
                                    scopes: scopes.joined(separator: " "), expiresAt: expiresAt, createdAt: context.clock.now)
        try await record.create(on: context.database)
        return Issued(id: record.id!, token: token, name: label, scopes: scopes, expiresAt: expiresAt)
    }

    /// The bearer behind a token, or `nil` for an unknown, expired or revoked token or a
    /// disabled user.
    public func authenticate(_ token: String) async throws -> Bearer? {
        guard token.hasPrefix(Self.prefix), token.count <= 100 else { return nil }
        let db = context.database
        let now = context.clock.now
        guard let record = try await APITokenRecord.query(on: db).filter(\.$tokenHash == SecretToken.digest(token)).first(),
              record.revokedAt == nil, (record.expiresAt ?? .distantFuture) > now,
              let user = try await UserRecord.find(record.userID, on: db), user.enabled,
              let account = try await AccountRecord.find(user.accountID, on: db),
              account.status == AccountStatus.active.rawValue
        else { return nil }
        if now.timeIntervalSince(record.lastUsedAt ?? .distantPast) > 60 {
            record.lastUsedAt = now
            try await record.save(on: db)
        }
        return Bearer(tokenID: record.id!, user: user, account: account, scopes: Set(record.scopes.split(separator: " ").map(String.init)))
    }
}
