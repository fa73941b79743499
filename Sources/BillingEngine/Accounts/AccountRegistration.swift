import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// What a person types on the sign-up form.
public struct SignUpForm: Sendable {
    public var email: String
    public var password: String
    public var name: String
    public var country: String
    public var language: Language
    public var currency: Currency?

    public init(email: String, password: String, name: String, country: String, language: Language, currency: Currency? = nil) {
        self.email = email
        self.password = password
        self.name = name
        self.country = country
        self.language = language
        self.currency = currency
    }
}

/// Why a sign-up was refused; each case has a text in every language (`error.signup.*`).
public enum SignUpError: Error, Equatable, Sendable {
    case invalidEmail
    case password(PasswordError)
    case nameRequired
    case unknownCountry
    case emailTaken
    /// Too many sign-ups from this address in the last hour.
    case tooManyRequests
}

/// Why a sign-up link could not be used.
public enum SignUpConfirmationError: Error, Equatable, Sendable {
    /// Unknown, used or expired.
    case invalidOrExpiredLink
    /// The password set at confirmation does not meet the policy.
    case password(PasswordError)
}

/// Opens client accounts: the account and its owner user, in one transaction (ACC-1).
public struct AccountRegistration: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public struct Registered: Sendable {
        public let accountID: UUID
        public let userID: UUID
        public let clientCode: Int
    }

    /// How long a sign-up link works.
    public static let confirmationLifetime: TimeInterval = 48 * 3600

    /// The checks of the form that do not depend on who already has an account.
    private func validated(_ form: SignUpForm) throws -> (email: String, name: String, country: String) {
        guard let email = EmailAddress.normalized(form.email) else { throw SignUpError.invalidEmail }
        do { try PasswordPolicy.check(form.password) } catch { throw SignUpError.password(error) }
        let name = form.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw SignUpError.nameRequired }
        let country = form.country.uppercased()
        guard Countries.isKnown(country) else { throw SignUpError.unknownCountry }
        return (email, name, country)
    }

    /// The sign-up form of the client area (ACC-1). It answers the same way, in about the same
    /// time, whether or not the address already has an account, so it tells nobody who is a
    /// customer: the address gets an e-mail either way, with a link that finishes the sign-up
    /// (a new address) or with "you already have an account: log in or reset the password".
    public func request(_ form: SignUpForm, ip: String) async throws {
        let (email, _, _) = try validated(form)
        guard try await RequestThrottle(context: context).admit(.signUp, email: email, ip: ip) else { throw SignUpError.tooManyRequests }
        if let existing = try await UserRecord.query(on: context.database).filter(\.$email == email).first() {
            // The same bcrypt work as a real sign-up, so the answer takes as long.
            _ = try await context.passwords.hash(form.password)
            let language = existing.language ?? form.language
            let arguments = [
                "name": existing.name, "provider": context.provider.name,
                "login": context.links.url(.login), "reset": context.links.url(.passwordForgot)
            ]
            try await context.outbox.enqueue(
                to: existing.email, subject: context.texts.text("email.signup_exists.subject", language, arguments),
                body: context.texts.text("email.signup_exists.body", language, arguments),
                category: .security, accountID: existing.accountID, language: language,
                on: context.database)
            return
        }
        do {
            let registered = try await signUp(form, confirmed: false)
            try await sendConfirmation(userID: registered.userID)
        } catch SignUpError.emailTaken {
            return // a sign-up of the same address at the same moment won; it got the e-mail
        }
    }

    /// How long a login to an unconfirmed account waits before it mails another sign-up link.
    public static let confirmationResendInterval: TimeInterval = 600

    /// E-mails a new link that finishes the sign-up (after a sign-up, or when an unconfirmed user
    /// tries to log in). Earlier links keep working until they expire. With `unlessSentWithin`,
    /// nothing is sent when a link for this user was made that recently.
    public func sendConfirmation(userID: UUID, unlessSentWithin interval: TimeInterval? = nil) async throws {
        guard let user = try await UserRecord.find(userID, on: context.database), user.emailConfirmedAt == nil else { return }
        let now = context.clock.now
        if let interval,
            try await OutboxEmailRecord.query(on: context.database).filter(\.$linkUserID == userID)
                .filter(\.$link == .signUpConfirmation).filter(\.$createdAt > now.addingTimeInterval(-interval)).first() != nil
        {
            return
        }
        let language = user.language ?? context.provider.defaultLanguage
        let arguments = [
            "name": user.name, "provider": context.provider.name, "hours": "48",
            "link": context.links.url(MailLink.signUpConfirmation)
        ]
        try await context.outbox.enqueue(
            to: user.email, subject: context.texts.text("email.signup_confirm.subject", language, arguments),
            body: context.texts.text("email.signup_confirm.body", language, arguments),
            category: .security, accountID: user.accountID, language: language,
            link: Outbox.Link(kind: .signUpConfirmation, userID: user.id!), on: context.database)
    }

    /// Sign-up links share the table of reset links; their digest is taken over another prefix,
    /// so a sign-up link never opens the password form, nor a reset link this one.
    static func confirmationDigest(_ token: String) -> String { SecretToken.digest("signup:" + token) }

    private func usableConfirmation(_ token: String, on db: any Database) async throws -> PasswordResetRecord? {
        guard !token.isEmpty, token.count <= 100,
            let record = try await PasswordResetRecord.query(on: db).filter(\.$tokenHash == Self.confirmationDigest(token)).first(),
            record.usedAt == nil, record.expiresAt > context.clock.now
        else { return nil }
        return record
    }

    /// Whether a sign-up link still works (to show its page or the "expired" one).
    public func isUsableConfirmation(token: String) async throws -> Bool {
        try await usableConfirmation(token, on: context.database) != nil
    }

    /// Follows a sign-up link: the address is confirmed, and the password typed on the link's page
    /// becomes the account's (the one chosen at sign-up, or a new one). Answers the user, whom the
    /// caller signs in.
    ///
    /// Whoever holds the link owns the mailbox; whoever filled in the sign-up form may not (someone
    /// can register another person's address with a password of their own). So the password is
    /// set here, by the mailbox's owner, and every other way in ends: other sign-up and reset
    /// links, sessions and API tokens.
    public func confirm(token: String, password: String) async throws -> UUID {
        do { try PasswordPolicy.check(password) } catch { throw SignUpConfirmationError.password(error) }
        guard try await usableConfirmation(token, on: context.database) != nil else { throw SignUpConfirmationError.invalidOrExpiredLink }
        let hash = try await context.passwords.hash(password)
        let now = context.clock.now
        let sessions = WebSessions(context: context)
        return try await context.database.transaction { db in
            guard let record = try await usableConfirmation(token, on: db),
                let user = try await UserRecord.find(record.userID, on: db), user.enabled
            else {
                throw SignUpConfirmationError.invalidOrExpiredLink
            }
            try await PasswordResetRecord.query(on: db).filter(\.$userID == user.id!).filter(\.$usedAt == nil)
                .set(\.$usedAt, to: now).update()
            if user.emailConfirmedAt == nil { user.emailConfirmedAt = now }
            user.passwordHash = hash
            try await user.save(on: db)
            try await sessions.endAll(principalID: user.id!, realm: .client, on: db)
            try await TrustedDevices(context: context).forgetAll(realm: .client, principalID: user.id!, on: db)
            try await APITokenRecord.query(on: db).filter(\.$userID == user.id!).filter(\.$revokedAt == nil)
                .set(\.$revokedAt, to: now).update()
            return user.id!
        }
    }

    /// Opens an account at once (staff, imports, the demo, tests); `confirmed: false` leaves the
    /// address to be confirmed by the sign-up link.
    public func signUp(_ form: SignUpForm, confirmed: Bool = true) async throws -> Registered {
        let (email, name, country) = try validated(form)
        if try await UserRecord.query(on: context.database).filter(\.$email == email).first() != nil {
            throw SignUpError.emailTaken
        }
        let hash = try await context.passwords.hash(form.password)
        let now = context.clock.now
        let currency = form.currency ?? context.provider.defaultCurrency
        let registeredOn = context.calendar.date(of: now).iso
        // Two sign-ups at once may pick the same next client code; the unique index refuses the
        // second, which then takes the following number.
        for attempt in 0..<5 {
            do {
                return try await context.database.transaction { db in
                    let code = try await Self.nextClientCode(on: db) + attempt
                    let account = AccountRecord(
                        clientCode: code, name: name, country: country, registeredOn: registeredOn,
                        currency: currency, language: form.language, createdAt: now)
                    try await account.create(on: db)
                    let user = UserRecord(
                        accountID: account.id!, email: email, name: name, passwordHash: hash,
                        isOwner: true, language: form.language, createdAt: now,
                        emailConfirmedAt: confirmed ? now : nil)
                    try await user.create(on: db)
                    return Registered(accountID: account.id!, userID: user.id!, clientCode: code)
                }
            } catch  where error.isConstraintViolation {
                if try await UserRecord.query(on: context.database).filter(\.$email == email).first() != nil {
                    throw SignUpError.emailTaken
                }
                if attempt == 4 { throw error }
            }
        }
        preconditionFailure("unreachable")
    }

    static func nextClientCode(on db: any Database) async throws -> Int {
        let highest = try await AccountRecord.query(on: db).max(\.$clientCode)
        return (highest ?? 10_000) + 1
    }
}

/// ISO 3166-1 alpha-2 countries a client may choose, with names in the interface language.
public enum Countries {
    /// Codes the system's region list carries that are not countries: unions and groupings
    /// (EU, Eurozone, United Nations), "Outlying Oceania", pseudo-locales, and ISO's
    /// exceptionally reserved codes (Ascension, Canary Islands…) that no payer is registered in.
    static let notCountries: Set<String> = ["EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "DG", "EA", "IC", "TA"]

    /// The codes the platform offers, from the system's region list.
    public static let codes: [String] = Locale.Region.isoRegions
        .map(\.identifier)
        .filter { $0.count == 2 && $0.allSatisfy(\.isLetter) && !notCountries.contains($0) }
        .sorted()

    private static let known = Set(codes)

    public static func isKnown(_ code: String) -> Bool { known.contains(code.uppercased()) }

    /// The country's name in `language`, e.g. `DE` → "Germany", "Германия", "Німеччина".
    public static func name(_ code: String, in language: Language) -> String {
        locales[language]?.localizedString(forRegionCode: code) ?? code
    }

    private static let locales = Dictionary(uniqueKeysWithValues: Language.allCases.map { ($0, Locale(identifier: $0.rawValue)) })
}

extension SignUpError: Refusal {
    public var code: String {
        switch self {
        case .password(let violation): violation.code
        case .tooManyRequests: "too_many_requests"
        case .emailTaken: "email_taken"
        default: "signup_invalid"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .tooManyRequests: .tooManyRequests
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .password(let violation): violation.textKey
        case .invalidEmail: "error.signup.invalidEmail"
        case .nameRequired: "error.signup.nameRequired"
        case .unknownCountry: "error.signup.unknownCountry"
        case .emailTaken: "error.signup.emailTaken"
        case .tooManyRequests: "error.too_many_requests"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .password(let violation): violation.textArguments
        default: [:]
        }
    }
}
