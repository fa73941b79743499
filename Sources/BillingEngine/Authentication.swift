import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Who is logging in: a client user or a member of staff. Each has its own table and sessions.
public enum Realm: String, Sendable, Codable {
    case client, staff
}

/// Why a login was refused. `invalidCredentials` and `throttled` are answered the same way whether
/// or not the e-mail exists, so the login form does not tell who has an account.
public enum LoginError: Error, Equatable, Sendable {
    case invalidCredentials
    case throttled
    case disabled
}

/// Checks e-mail and password for either realm, with throttling per e-mail and per IP (ACC-1).
public struct Authentication: Sendable {
    let context: EngineContext
    let policy: LoginThrottlePolicy

    public init(context: EngineContext, policy: LoginThrottlePolicy = LoginThrottlePolicy()) {
        self.context = context
        self.policy = policy
    }

    /// The principal that logged in: a `users.id` or a `staff_users.id`.
    public struct Principal: Sendable, Equatable {
        public let id: UUID
        public let realm: Realm
    }

    public func login(realm: Realm, email rawEmail: String, password: String, ip: String) async throws -> Principal {
        let email = EmailAddress.normalized(rawEmail) ?? rawEmail.lowercased().trimmingCharacters(in: .whitespaces)
        let db = context.database
        let since = context.clock.now.addingTimeInterval(-policy.window)
        let byEmail = try await LoginFailureRecord.query(on: db)
            .filter(\.$realm == realm.rawValue).filter(\.$email == email).filter(\.$at > since).count()
        let byIP = try await LoginFailureRecord.query(on: db)
            .filter(\.$realm == realm.rawValue).filter(\.$ip == ip).filter(\.$at > since).count()
        guard !policy.isLocked(failuresForEmail: byEmail, failuresFromIP: byIP) else { throw LoginError.throttled }

        let client = realm == .client ? try await UserRecord.query(on: db).filter(\.$email == email).first() : nil
        let staff = realm == .staff ? try await StaffUserRecord.query(on: db).filter(\.$email == email).first() : nil
        // Without a user we still spend the time of one bcrypt check, so timing does not tell either.
        let hash = client?.passwordHash ?? staff?.passwordHash ?? context.passwords.decoyHash
        let matches = try await context.passwords.verify(password, against: hash)
        guard matches, client != nil || staff != nil else {
            try await LoginFailureRecord(realm: realm.rawValue, email: email, ip: ip, at: context.clock.now).create(on: db)
            throw LoginError.invalidCredentials
        }
        let now = context.clock.now
        if let client {
            let account = try await AccountRecord.find(client.accountID, on: db)
            guard client.enabled, account?.status == AccountStatus.active.rawValue else { throw LoginError.disabled }
            client.lastLoginAt = now
            try await client.save(on: db)
            return Principal(id: client.id!, realm: realm)
        }
        guard let staff, staff.enabled else { throw LoginError.disabled }
        staff.lastLoginAt = now
        try await staff.save(on: db)
        return Principal(id: staff.id!, realm: realm)
    }
}
