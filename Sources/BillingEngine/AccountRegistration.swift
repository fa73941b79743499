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
    case password(PasswordPolicy.Violation)
    case nameRequired
    case unknownCountry
    case emailTaken
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

    public func signUp(_ form: SignUpForm) async throws -> Registered {
        guard let email = EmailAddress.normalized(form.email) else { throw SignUpError.invalidEmail }
        do { try PasswordPolicy.check(form.password) } catch { throw SignUpError.password(error) }
        let name = form.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw SignUpError.nameRequired }
        let country = form.country.uppercased()
        guard Countries.isKnown(country) else { throw SignUpError.unknownCountry }
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
                    let account = AccountRecord(clientCode: code, name: name, country: country, registeredOn: registeredOn,
                                                currency: currency.code, language: form.language.rawValue, createdAt: now)
                    try await account.create(on: db)
                    let user = UserRecord(accountID: account.id!, email: email, name: name, passwordHash: hash,
                                          isOwner: true, language: form.language.rawValue, createdAt: now)
                    try await user.create(on: db)
                    return Registered(accountID: account.id!, userID: user.id!, clientCode: code)
                }
            } catch {
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
    /// The codes the platform offers, from the system's region list.
    public static let codes: [String] = Locale.Region.isoRegions
        .map(\.identifier)
        .filter { $0.count == 2 && $0.allSatisfy(\.isLetter) }
        .sorted()

    private static let known = Set(codes)

    public static func isKnown(_ code: String) -> Bool { known.contains(code.uppercased()) }

    /// The country's name in `language`, e.g. `DE` → "Germany", "Германия", "Німеччина".
    public static func name(_ code: String, in language: Language) -> String {
        locales[language]?.localizedString(forRegionCode: code) ?? code
    }

    private static let locales = Dictionary(uniqueKeysWithValues: Language.allCases.map { ($0, Locale(identifier: $0.rawValue)) })
}
