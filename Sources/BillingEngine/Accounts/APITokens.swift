import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// Why the scopes asked for a token are refused.
public enum TokenScopeError: Refusal, Equatable {
    case unknown(String)
    case beyondUser(String)

    public var code: String {
        switch self {
        case .unknown: "unknown_scope"
        case .beyondUser: "scope_not_allowed"
        }
    }
    public var status: RefusalStatus {
        switch self {
        case .unknown: .badRequest
        case .beyondUser: .forbidden
        }
    }
    public var textKey: String {
        switch self {
        case .unknown: "error.api.unknown_scope"
        case .beyondUser: "error.api.scope_not_allowed"
        }
    }
    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .unknown(let scope), .beyondUser(let scope): ["scope": .text(String(scope.prefix(40)))]
        }
    }

    /// The scopes to store: the ones asked for, each known and within the user's rights, or the
    /// user's rights by name when none were asked for.
    static func check(_ requested: [String]?, userRights: Set<ClientRight>) throws -> [String] {
        guard let requested, !requested.isEmpty else { return userRights.sorted().map(\.rawValue) }
        var scopes: [String] = []
        for scope in requested where !scopes.contains(scope) {
            guard let rights = ClientRight.granted(byScope: scope) else { throw TokenScopeError.unknown(scope) }
            // `write` asks for everything the user may do; a right by name must be the user's.
            if scope != "write", scope != "read", !rights.isSubset(of: userRights) { throw TokenScopeError.beyondUser(scope) }
            scopes.append(scope)
        }
        return scopes
    }
}

/// Bearer tokens for the JSON API (API-1): issued for e-mail and password, stored hashed.
public struct APITokens: Sendable {
    let context: EngineContext
    public static let prefix = "bt_"
    /// Staff tokens look different, so one is never taken for the other.
    public static let staffPrefix = "bts_"
    static let lifetime: TimeInterval = 365 * 86_400

    static func label(_ name: String?) -> String {
        name.map { String($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(100)) }.flatMap { $0.isEmpty ? nil : $0 } ?? "API token"
    }

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
        public let account: Account
        public let scopes: Set<String>

        public var accountID: UUID { account.id }
        public var userID: UUID { user.id! }
        /// The token's user as the API shows it.
        public var person: ClientUser { ClientUser(user) }
        /// The account's currency (an unknown stored code reads as the provider's default).
        public var currency: Currency { account.currency }
        /// The caller the use cases take: the scopes' rights that the user still has.
        public var caller: Caller { .token(of: user.id!, account: account, userRights: user.clientRights, scopes: scopes) }
    }

    /// A token for e-mail and password. `scopes` names what it may do (`ClientRight` names, or
    /// `read` / `write`); without them it may do what its user may. A scope the user does not
    /// have is refused: a token never does more than its user (and loses a right its user loses).
    /// With the two-step login on, `code` (the authenticator's, or a recovery code) is needed too.
    public func issue(
        email: String, password: String, code: String? = nil, name: String?, scopes requested: [String]? = nil, ip: String
    ) async throws -> Issued {
        let principal = try await Authentication(context: context).login(
            realm: .client, email: email, password: password, ip: ip, channel: .api)
        let twoFactor = TwoFactor(context: context)
        let history = AccountSecurity(context: context)
        if try await twoFactor.isEnabled(realm: .client, principalID: principal.id) {
            guard let code, !code.isEmpty else {
                try await history.recordClient(.codeRequested, userID: principal.id, ip: ip, userAgent: nil, channel: .api)
                throw LoginError.codeRequired
            }
            do { try await twoFactor.verify(realm: .client, principalID: principal.id, code: code, ip: ip) } catch {
                try await history.recordClient(.wrongCode, userID: principal.id, ip: ip, userAgent: nil, channel: .api)
                throw error
            }
        }
        try await history.recordClient(.success, userID: principal.id, ip: ip, userAgent: nil, channel: .api)
        guard let user = try await UserRecord.find(principal.id, on: context.database) else { throw PlainRefusal.unauthorized }
        let scopes = try TokenScopeError.check(requested, userRights: user.clientRights)
        let token = SecretToken.generate(prefix: Self.prefix)
        let label = Self.label(name)
        let expiresAt = context.clock.now.addingTimeInterval(Self.lifetime)
        let record = APITokenRecord(
            userID: principal.id, name: label, tokenHash: SecretToken.digest(token),
            scopes: scopes.joined(separator: " "), expiresAt: expiresAt, createdAt: context.clock.now)
        try await record.create(on: context.database)
        return Issued(id: record.id!, token: token, name: label, scopes: scopes, expiresAt: expiresAt)
    }

    /// The bearer behind a token, or `nil` for an unknown, expired or revoked token or a
    /// disabled user. From `ip` outside the account's allowed networks a good token is refused
    /// (`LoginError.addressNotAllowed`); `nil` skips the check (engine tests).
    public func authenticate(_ token: String, ip: String? = nil) async throws -> Bearer? {
        guard token.hasPrefix(Self.prefix), token.count <= 100 else { return nil }
        let db = context.database
        let now = context.clock.now
        // The token, its user and account in one plain query: every API request asks this first.
        guard
            let row = try await db.sql.raw(
                """
                SELECT \(APITokenRecord.columnList(of: "t")), \(UserRecord.columnList(of: "u")), \(AccountRecord.columnList(of: "a"))
                FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN accounts a ON a.id = u.account_id
                WHERE t.token_hash = \(bind: SecretToken.digest(token))
                """
            ).first()
        else { return nil }
        let record = try APITokenRecord(plainRow: row, prefix: "t_")
        let user = try UserRecord(plainRow: row, prefix: "u_")
        let account = try AccountRecord(plainRow: row, prefix: "a_")
        guard record.revokedAt == nil, (record.expiresAt ?? .distantFuture) > now, user.enabled, account.status == AccountStatus.active
        else { return nil }
        if let ip, !NetworkAllowList(stored: account.allowedNetworks).admits(ip) { throw LoginError.addressNotAllowed }
        if now.timeIntervalSince(record.lastUsedAt ?? .distantPast) > 60 {
            record.lastUsedAt = now
            try await record.save(on: db)
        }
        return Bearer(
            tokenID: record.id!, user: user, account: context.value(account),
            scopes: Set(record.scopes.split(separator: " ").map(String.init)))
    }

    /// The staff member a staff token acts for, with the role that decides what it may do.
    public struct StaffBearer: Sendable {
        public let tokenID: UUID
        public let staff: StaffUserRecord
        public let role: StaffRole
        /// The role's rights at this installation (`StaffRoles`).
        public let permissions: Set<StaffPermission>

        public var staffID: UUID { staff.id! }
        /// The member's name, as the audit log keeps it.
        public var name: String { staff.name }
        public var caller: Caller { .staff(staff.id!, permissions: permissions) }
    }

    /// A staff token for staff e-mail and password (the same throttled login as `/admin`).
    /// With the member's two-step login on, `code` is needed too; where the provider requires the
    /// two-step login, a member without it gets no token until they enrol in `/admin`.
    public func issueStaff(email: String, password: String, code: String? = nil, name: String?, ip: String) async throws -> Issued {
        let principal = try await Authentication(context: context).login(
            realm: .staff, email: email, password: password, ip: ip, channel: .api)
        let twoFactor = TwoFactor(context: context)
        if try await twoFactor.isEnabled(realm: .staff, principalID: principal.id) {
            guard let code, !code.isEmpty else { throw LoginError.codeRequired }
            try await twoFactor.verify(realm: .staff, principalID: principal.id, code: code, ip: ip)
        } else if try await StaffAccounts(context: context).twoFactorRequired() {
            throw LoginError.codeRequired
        }
        let token = SecretToken.generate(prefix: Self.staffPrefix)
        let label = Self.label(name)
        let expiresAt = context.clock.now.addingTimeInterval(Self.lifetime)
        let record = StaffAPITokenRecord(
            staffID: principal.id, name: label, tokenHash: SecretToken.digest(token), expiresAt: expiresAt,
            createdAt: context.clock.now)
        try await record.create(on: context.database)
        return Issued(id: record.id!, token: token, name: label, scopes: ["staff"], expiresAt: expiresAt)
    }

    /// The staff member behind a staff token, or `nil` for an unknown, expired or revoked token,
    /// or a disabled member.
    public func authenticateStaff(_ token: String) async throws -> StaffBearer? {
        guard token.hasPrefix(Self.staffPrefix), token.count <= 100 else { return nil }
        let db = context.database
        let now = context.clock.now
        guard let record = try await StaffAPITokenRecord.query(on: db).filter(\.$tokenHash == SecretToken.digest(token)).first(),
            record.revokedAt == nil, (record.expiresAt ?? .distantFuture) > now,
            let staff = try await StaffUserRecord.find(record.staffID, on: db), staff.enabled
        else { return nil }
        if now.timeIntervalSince(record.lastUsedAt ?? .distantPast) > 60 {
            record.lastUsedAt = now
            try await record.save(on: db)
        }
        let permissions = try await StaffRoles(context: context).policy(for: staff.role).permissions
        return StaffBearer(tokenID: record.id!, staff: staff, role: staff.role, permissions: permissions)
    }
}
