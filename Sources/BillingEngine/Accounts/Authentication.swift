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
    /// The password is right but the address was never confirmed: a new sign-up link was sent.
    case unconfirmed
    /// The e-mail's logins are locked by failures from many addresses and this browser never
    /// signed in: a sign-in link goes to the mailbox if the password was right. The same answer
    /// for a wrong password, so it tells a guesser nothing.
    case secondStepRequired
    /// The password is right and the two-step login is on: the API's token request needs `code`.
    case codeRequired
    /// The account allows its users in only from listed networks, and this address is not in one.
    case addressNotAllowed
}

/// Checks e-mail and password for either realm, throttled per e-mail and address, per address
/// and per e-mail (`LoginThrottlePolicy`, ACC-1).
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

    /// What the policy needs to know about recent failures of this e-mail and address.
    func failures(realm: Realm, email: String, ip: String) async throws -> LoginThrottlePolicy.Failures {
        let db = context.database
        let now = context.clock.now
        let recent = LoginFailureRecord.query(on: db).filter(\.$realm == realm.rawValue)
        let pair = try await recent.copy().filter(\.$email == email).filter(\.$ip == ip)
            .filter(\.$at > now.addingTimeInterval(-policy.pairMemory)).sort(\.$at, .descending).limit(64).all(\.$at)
        let address = try await recent.copy().filter(\.$ip == ip).filter(\.$at > now.addingTimeInterval(-policy.addressWindow)).count()
        let account = try await recent.copy().filter(\.$email == email).filter(\.$at > now.addingTimeInterval(-3600)).count()
        return .init(pair: pair.count, lastPairFailure: pair.first, address: address, account: account)
    }

    /// Checks the password. `device` is the trusted-browser cookie the login came with (web
    /// logins; `nil` for the API): while strangers' failures lock the e-mail's logins, only a
    /// right password from a browser that signed in before gets in, and any other right password
    /// gets an e-mailed sign-in link instead (`SignInLinks`). Failures of this address (alone, or
    /// with this e-mail) are refused before the password is checked, as before.
    ///
    /// Every refusal of a known user goes into the login history (`AccountSecurity`); the login
    /// itself is recorded by whoever finishes it (the session, the token, the second step).
    public func login(
        realm: Realm, email rawEmail: String, password: String, ip: String, device: String? = nil, userAgent: String? = nil,
        channel: LoginChannel = .web
    ) async throws -> Principal {
        let email = EmailAddress.normalized(rawEmail) ?? String(rawEmail.lowercased().trimmingCharacters(in: .whitespaces).prefix(254))
        let db = context.database
        let recent = try await failures(realm: realm, email: email, ip: ip)
        let now = context.clock.now
        let client = realm == .client ? try await UserRecord.query(on: db).filter(\.$email == email).first() : nil
        let staff = realm == .staff ? try await StaffUserRecord.query(on: db).filter(\.$email == email).first() : nil
        func refuse(_ outcome: LoginOutcome, _ error: LoginError) async throws -> LoginError {
            if let id = client?.id ?? staff?.id {
                try await AccountSecurity(context: context).record(
                    outcome, realm: realm, principalID: id, accountID: client?.accountID, ip: ip, userAgent: userAgent, channel: channel)
            }
            return error
        }
        guard !policy.isLockedHere(recent, now: now) else { throw try await refuse(.throttled, .throttled) }
        let accountLocked = policy.isAccountLocked(recent)

        // Without a user we still spend the time of one bcrypt check, so timing does not tell either.
        let hash = client?.passwordHash ?? staff?.passwordHash ?? context.passwords.decoyHash
        let matches = try await context.passwords.verify(password, against: hash)
        guard matches, client != nil || staff != nil else {
            try await LoginFailureRecord(realm: realm.rawValue, email: email, ip: ip, at: now).create(on: db)
            throw try await refuse(.wrongPassword, accountLocked ? .secondStepRequired : .invalidCredentials)
        }
        if accountLocked {
            let principalID = client?.id ?? staff!.id!
            if try await !TrustedDevices(context: context).isTrusted(device, realm: realm, principalID: principalID) {
                if let client, client.enabled, client.emailConfirmedAt != nil {
                    let language = client.language ?? context.provider.defaultLanguage
                    try await SignInLinks(context: context).send(
                        realm: .client, principalID: principalID, email: client.email, name: client.name, language: language,
                        accountID: client.accountID)
                } else if let staff, staff.enabled {
                    try await SignInLinks(context: context).send(
                        realm: .staff, principalID: principalID, email: staff.email, name: staff.name,
                        language: context.provider.defaultLanguage, accountID: nil)
                }
                throw try await refuse(.secondStep, .secondStepRequired)
            }
        }
        if let client {
            let account = try await AccountRecord.find(client.accountID, on: db)
            guard client.enabled, account?.status == .active else { throw try await refuse(.disabled, .disabled) }
            guard client.emailConfirmedAt != nil else {
                // Each try would mail another link: one per ten minutes is enough (the probe found
                // a mailbox flooded by logins to an unconfirmed account).
                try await AccountRegistration(context: context).sendConfirmation(
                    userID: client.id!, unlessSentWithin: AccountRegistration.confirmationResendInterval)
                throw try await refuse(.unconfirmed, .unconfirmed)
            }
            // Checked once the password was right: a guesser learns nothing of the list.
            guard NetworkAllowList(stored: account?.allowedNetworks).admits(ip) else {
                throw try await refuse(.addressNotAllowed, .addressNotAllowed)
            }
            client.lastLoginAt = now
            try await client.save(on: db)
            return Principal(id: client.id!, realm: realm)
        }
        guard let staff, staff.enabled else { throw try await refuse(.disabled, .disabled) }
        staff.lastLoginAt = now
        try await staff.save(on: db)
        return Principal(id: staff.id!, realm: realm)
    }
}

extension LoginError: Refusal {
    public var code: String {
        switch self {
        case .throttled: "too_many_requests"
        case .secondStepRequired: "second_step_required"
        case .codeRequired: "code_required"
        case .addressNotAllowed: "address_not_allowed"
        default: "unauthorized"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .throttled: .tooManyRequests
        case .addressNotAllowed: .forbidden
        default: .unauthorized
        }
    }

    public var textKey: String {
        switch self {
        case .invalidCredentials: "error.login.invalidCredentials"
        case .throttled: "error.login.throttled"
        case .disabled: "error.login.disabled"
        case .unconfirmed: "error.login.unconfirmed"
        case .secondStepRequired: "error.login.second_step"
        case .codeRequired: "error.login.code_required"
        case .addressNotAllowed: "error.login.address_not_allowed"
        }
    }
}
