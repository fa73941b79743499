import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// A line of the login history.
public struct LoginEvent: Sendable, Hashable, Identifiable {
    public let id: UUID
    public let userID: UUID
    public let userName: String
    public let at: Date
    public let ip: String
    public let userAgent: String?
    public let channel: LoginChannel
    public let outcome: LoginOutcome
}

/// A live browser session of one of the account's users, as the security page lists it.
public struct ActiveSession: Sendable, Hashable, Identifiable {
    public let id: UUID
    public let userID: UUID
    public let userName: String
    public let startedAt: Date
    public let lastSeenAt: Date
    public let ip: String?
    public let userAgent: String?
    /// The session the request came with.
    public let isCurrent: Bool
}

/// An API token of one of the account's users that still works.
public struct ActiveToken: Sendable, Hashable, Identifiable {
    public let id: UUID
    public let userID: UUID
    public let userName: String
    public let name: String
    public let scopes: [String]
    public let createdAt: Date
    /// `nil`: it does not expire.
    public let expiresAt: Date?
}

/// Why a change on the security page was refused.
public enum AccountSecurityError: Error, Equatable, Sendable {
    /// Not the caller's, and not of the account the caller may secure: as if it were not there.
    case notFound
    case wrongPassword
    case password(PasswordError)
    case nameRequired
    /// The owner's name is the account's: support changes it (ACC-2).
    case ownerNameFixed
    /// A line of the allow-list that is not an address or a CIDR range.
    case invalidNetwork(String)
    /// The list would shut out the address the change comes from; saving needs a confirmation.
    case wouldLockOut(String)
    /// A code word of 4 to 100 characters.
    case codeWordLength
    /// Too many checks of this account's code word lately.
    case codeWordThrottled
}

/// The login history, the live sessions and API tokens of an account's users, and each user's
/// own profile (ACC-2, ACC-5, ASVS 3.3.4). Each user sees and ends their own; a user with the
/// `security` right sees and ends those of every user of the account.
public struct AccountSecurity: Sendable {
    let context: EngineContext
    /// How many lines of history the page shows.
    public static let historyLimit = 50

    public init(context: EngineContext) { self.context = context }

    /// Records a login or a refusal of a known user (the authentication, the second step, the
    /// allow-list call it).
    public func record(
        _ outcome: LoginOutcome, realm: Realm, principalID: UUID, accountID: UUID?, ip: String, userAgent: String?, channel: LoginChannel,
        on db: (any Database)? = nil
    ) async throws {
        try await LoginEventRecord(
            realm: realm.rawValue, principalID: principalID, accountID: accountID, at: context.clock.now, ip: ip,
            userAgent: userAgent.map { String($0.prefix(300)) }, channel: channel, outcome: outcome
        ).create(on: db ?? context.database)
    }

    /// Records a client user's login or refusal by the user's id (the account is looked up).
    public func recordClient(_ outcome: LoginOutcome, userID: UUID, ip: String, userAgent: String?, channel: LoginChannel) async throws {
        guard let user = try await UserRecord.find(userID, on: context.database) else { return }
        try await record(
            outcome, realm: .client, principalID: userID, accountID: user.accountID, ip: ip, userAgent: userAgent, channel: channel)
    }

    /// Tells a user of a login from a browser that never signed in as them before (the browser
    /// description and the address), unless it is their first login at all: someone who got
    /// the password is noticed at once.
    public func noticeNewDevice(userID: UUID, ip: String, browser: String) async throws {
        guard let user = try await UserRecord.find(userID, on: context.database) else { return }
        let earlier = try await LoginEventRecord.query(on: context.database).filter(\.$principalID == userID)
            .filter(\.$outcome == .success).count()
        guard earlier > 1 else { return }
        let language = user.language ?? context.provider.defaultLanguage
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = context.calendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let arguments = [
            "name": user.name, "provider": context.provider.name, "browser": browser, "ip": ip,
            "time": formatter.string(from: context.clock.now), "link": context.links.url(PublicPage.passwordForgot)
        ]
        try await context.outbox.enqueue(
            to: user.email, subject: context.texts.text("email.new_device.subject", language, arguments),
            body: context.texts.text("email.new_device.body", language, arguments), category: .security, accountID: user.accountID,
            language: language, on: context.database)
    }

    /// The users whose security the caller sees: all of the account's with the `security` right,
    /// otherwise only the caller.
    private func visibleUsers(_ caller: Caller) async throws -> [UUID: String] {
        guard let account = caller.account else { throw PlainRefusal.forbidden }
        let query = UserRecord.query(on: context.database).filter(\.$accountID == account.id)
        if !caller.may(.security) {
            guard let own = caller.initiator.userID else { throw PlainRefusal.forbidden }
            query.filter(\.$id == own)
        }
        return Dictionary(uniqueKeysWithValues: try await query.all().map { ($0.id!, $0.name) })
    }

    public func history(caller: Caller) async throws -> [LoginEvent] {
        let users = try await visibleUsers(caller)
        guard !users.isEmpty else { return [] }
        return try await LoginEventRecord.query(on: context.database).filter(\.$realm == Realm.client.rawValue)
            .filter(\.$principalID ~~ Array(users.keys)).sort(\.$at, .descending).sort(\.$id, .descending).limit(Self.historyLimit)
            .all().map { record in
                LoginEvent(
                    id: record.id!, userID: record.principalID, userName: users[record.principalID] ?? "", at: record.at, ip: record.ip,
                    userAgent: record.userAgent, channel: record.channel, outcome: record.outcome)
            }
    }

    /// The live sessions; `current` is the cookie of the request, whose session is marked.
    public func sessions(caller: Caller, current: String? = nil) async throws -> [ActiveSession] {
        let users = try await visibleUsers(caller)
        let now = context.clock.now
        let currentHash = current.map(SecretToken.digest)
        return try await WebSessionRecord.query(on: context.database).filter(\.$realm == Realm.client.rawValue)
            .filter(\.$principalID ~~ Array(users.keys)).filter(\.$expiresAt > now)
            .filter(\.$createdAt > now.addingTimeInterval(-WebSessions.absoluteLifetime)).sort(\.$lastSeenAt, .descending).all()
            .map { record in
                ActiveSession(
                    id: record.id!, userID: record.principalID, userName: users[record.principalID] ?? "", startedAt: record.createdAt,
                    lastSeenAt: record.lastSeenAt, ip: record.ip, userAgent: record.userAgent, isCurrent: record.tokenHash == currentHash)
            }
    }

    public func tokens(caller: Caller) async throws -> [ActiveToken] {
        let users = try await visibleUsers(caller)
        let now = context.clock.now
        return try await APITokenRecord.query(on: context.database).filter(\.$userID ~~ Array(users.keys)).filter(\.$revokedAt == nil)
            .group(.or) { $0.filter(\.$expiresAt == nil).filter(\.$expiresAt > now) }.sort(\.$createdAt, .descending).all().map { record in
                ActiveToken(
                    id: record.id!, userID: record.userID, userName: users[record.userID] ?? "", name: record.name,
                    scopes: record.scopes.split(separator: " ").map(String.init), createdAt: record.createdAt, expiresAt: record.expiresAt)
            }
    }

    /// Ends one session (the browser is logged out at its next page).
    public func endSession(_ id: UUID, caller: Caller) async throws {
        let users = try await visibleUsers(caller)
        guard let session = try await WebSessionRecord.find(id, on: context.database), session.realm == Realm.client.rawValue,
            users[session.principalID] != nil
        else { throw AccountSecurityError.notFound }
        try await session.delete(on: context.database)
    }

    /// Ends every session of the caller but `keeping` (the one the request came with).
    public func endOtherSessions(caller: Caller, keeping token: String?) async throws {
        guard caller.account != nil, let own = caller.initiator.userID else { throw PlainRefusal.forbidden }
        let query = WebSessionRecord.query(on: context.database).filter(\.$realm == Realm.client.rawValue).filter(\.$principalID == own)
        if let token { query.filter(\.$tokenHash != SecretToken.digest(token)) }
        try await query.delete()
    }

    public func revokeToken(_ id: UUID, caller: Caller) async throws {
        let users = try await visibleUsers(caller)
        guard let token = try await APITokenRecord.find(id, on: context.database), users[token.userID] != nil, token.revokedAt == nil
        else { throw AccountSecurityError.notFound }
        token.revokedAt = context.clock.now
        try await token.save(on: context.database)
    }

    // MARK: Enhanced security (ACC-5)

    /// The account's networks, for the page.
    public func allowedNetworks(caller: Caller) async throws -> NetworkAllowList {
        NetworkAllowList(stored: try await context.record(of: try caller.account(for: .security)).allowedNetworks)
    }

    /// Replaces the account's allowed networks (one address or CIDR range per line or comma;
    /// empty: from anywhere). A list without the caller's own address `ip` would end the
    /// caller's session at the next page: it is saved only with `confirmLockout`.
    public func setAllowedNetworks(_ text: String, confirmLockout: Bool, ip: String, caller: Caller) async throws -> NetworkAllowList {
        let record = try await context.record(of: try caller.account(for: .security))
        var networks: [IPNetwork] = []
        for item in text.split(whereSeparator: { $0 == "\n" || $0 == "," || $0 == "\r" }) {
            let line = item.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            guard let network = IPNetwork(line) else { throw AccountSecurityError.invalidNetwork(String(line.prefix(60))) }
            if !networks.contains(network) { networks.append(network) }
        }
        guard networks.count <= 50 else { throw AccountSecurityError.invalidNetwork(String(networks[50].description)) }
        let list = NetworkAllowList(networks: networks)
        if !list.admits(ip), !confirmLockout { throw AccountSecurityError.wouldLockOut(ip) }
        record.allowedNetworks = list.stored
        try await record.save(on: context.database)
        return list
    }

    /// Whether the account has a code word (the word itself is never shown, only its hash kept).
    public func hasCodeWord(caller: Caller) async throws -> Bool {
        try await context.record(of: try caller.account(for: .security)).codeWordHash != nil
    }

    /// Sets or changes the code word; an empty one removes it.
    public func setCodeWord(_ raw: String, caller: Caller) async throws {
        let record = try await context.record(of: try caller.account(for: .security))
        let word = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if word.isEmpty {
            record.codeWordHash = nil
        } else {
            guard (4...100).contains(word.count), !word.hasControlCharacters() else { throw AccountSecurityError.codeWordLength }
            record.codeWordHash = try await context.passwords.hash(Self.codeWordForm(word))
        }
        try await record.save(on: context.database)
    }

    /// Checks the word a caller gave support against the account's (`nil`: none set). Staff see
    /// only "matches" or "does not"; checks are limited to five an hour per account.
    public func checkCodeWord(_ given: String, accountID: UUID, caller: Caller, ip: String) async throws -> Bool? {
        try caller.require(.viewClients)
        guard let record = try await AccountRecord.find(accountID, on: context.database) else { throw AccountSecurityError.notFound }
        guard let hash = record.codeWordHash else { return nil }
        let tries = LoginFailureRecord.query(on: context.database).filter(\.$realm == "code_word").filter(\.$email == accountID.uuidString)
        guard try await tries.filter(\.$at > context.clock.now.addingTimeInterval(-3600)).count() < 5 else {
            throw AccountSecurityError.codeWordThrottled
        }
        let matches = try await context.passwords.verify(
            Self.codeWordForm(given.trimmingCharacters(in: .whitespacesAndNewlines)), against: hash)
        if !matches {
            try await LoginFailureRecord(realm: "code_word", email: accountID.uuidString, ip: ip, at: context.clock.now).create(
                on: context.database)
        }
        return matches
    }

    /// Spoken words are compared without case ("Blue Fox" and "blue fox" are one word).
    static func codeWordForm(_ word: String) -> String { word.lowercased() }

    // MARK: The profile

    /// A user's own name; the owner's is the account's, changed through support.
    public func rename(_ rawName: String, caller: Caller) async throws {
        guard caller.account != nil, let own = caller.initiator.userID, let user = try await UserRecord.find(own, on: context.database)
        else { throw PlainRefusal.forbidden }
        guard !user.isOwner else { throw AccountSecurityError.ownerNameFixed }
        let name = rawName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200, !name.hasControlCharacters() else { throw AccountSecurityError.nameRequired }
        user.name = name
        try await user.save(on: context.database)
    }

    /// Changes the caller's password: the current one is needed, every other session ends, and
    /// the user is told by e-mail (someone who changed it without them learns it at once).
    public func changePassword(current: String, new: String, caller: Caller, keeping token: String?) async throws {
        guard caller.account != nil, let own = caller.initiator.userID, let user = try await UserRecord.find(own, on: context.database)
        else { throw PlainRefusal.forbidden }
        guard try await context.passwords.verify(current, against: user.passwordHash) else { throw AccountSecurityError.wrongPassword }
        do { try PasswordPolicy.check(new) } catch { throw AccountSecurityError.password(error) }
        let hash = try await context.passwords.hash(new)
        let language = user.language ?? context.provider.defaultLanguage
        let arguments = [
            "name": user.name, "provider": context.provider.name, "link": context.links.url(PublicPage.passwordForgot)
        ]
        try await context.database.transaction { db in
            user.passwordHash = hash
            try await user.save(on: db)
            let others = WebSessionRecord.query(on: db).filter(\.$realm == Realm.client.rawValue).filter(\.$principalID == own)
            if let token { others.filter(\.$tokenHash != SecretToken.digest(token)) }
            try await others.delete()
            try await PasswordResetRecord.query(on: db).filter(\.$userID == own).filter(\.$usedAt == nil)
                .set(\.$usedAt, to: context.clock.now).update()
            try await context.outbox.enqueue(
                to: user.email, subject: context.texts.text("email.password_changed.subject", language, arguments),
                body: context.texts.text("email.password_changed.body", language, arguments), category: .security,
                accountID: user.accountID, language: language, on: db)
        }
    }
}

extension AccountSecurityError: Refusal {
    public var code: String {
        switch self {
        case .notFound: "not_found"
        case .wrongPassword: "wrong_password"
        case .password(let violation): violation.code
        case .nameRequired: "name_required"
        case .ownerNameFixed: "owner_name_fixed"
        case .invalidNetwork: "invalid_network"
        case .wouldLockOut: "would_lock_out"
        case .codeWordLength: "code_word_length"
        case .codeWordThrottled: "too_many_requests"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .notFound: .notFound
        case .ownerNameFixed: .forbidden
        case .wouldLockOut: .conflict
        case .codeWordThrottled: .tooManyRequests
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .notFound: "error.security.not_found"
        case .wrongPassword: "error.security.wrong_password"
        case .password(let violation): violation.textKey
        case .nameRequired: "error.signup.nameRequired"
        case .ownerNameFixed: "error.security.owner_name_fixed"
        case .invalidNetwork: "error.security.invalid_network"
        case .wouldLockOut: "error.security.would_lock_out"
        case .codeWordLength: "error.security.code_word_length"
        case .codeWordThrottled: "error.security.code_word_throttled"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .password(let violation): violation.textArguments
        case .invalidNetwork(let line): ["value": .text(line)]
        case .wouldLockOut(let ip): ["ip": .text(ip)]
        default: [:]
        }
    }
}
