import BillingDomain
import Foundation

/// Every setting of the platform, read in one place from environment variables. Defaults make
/// `swift run billing serve` work out of the box; a bad value stops start-up with a message
/// naming the variable.
public struct AppConfig: Sendable {
    public enum Storage: Sendable, Equatable {
        case sqliteFile(String)
        case sqliteMemory
        case postgres(url: String)
    }

    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    public var storage: Storage = .sqliteFile("billing.sqlite")
    public var timeZone: TimeZone = TimeZone(identifier: "UTC")!
    public var baseURL: String = "http://127.0.0.1:8080"
    public var defaultLanguage: Language = .en
    public var defaultCurrency: Currency = .EUR
    public var defaultCountry: String = "DE"
    public var providerName: String = "Demo Hosting"
    /// bcrypt work factor; 12 in production, lower only in tests.
    public var bcryptCost: Int = 12
    /// Shows the outbox page at `/dev/outbox` and prints reset links; on in development.
    public var developmentMode: Bool = true
    /// Marks cookies `Secure`; on when the base URL is https.
    public var secureCookies: Bool = false
    /// Creates the demo provider on an empty database at `serve`.
    public var seedDemo: Bool = true
    /// Whether `serve` runs the daily billing jobs in-process (every minute; a lease makes one
    /// instance do the work). Off when cron runs `billing jobs --once` instead.
    public var runJobs: Bool = true
    /// The sandbox card gateway (its own pay page and signed webhooks). On by default: the demo
    /// pays with it. A production installation turns it off with `BILLING_SANDBOX_GATEWAY=off`.
    public var sandboxGateway: Bool = true
    /// Stripe: on when both keys are set. The API base can point at a stand-in.
    public var stripe: (secretKey: String, webhookSecret: String, apiBase: String)?
    /// YooKassa: on when the shop id and secret key are set.
    public var yooKassa: (shopID: String, secretKey: String, apiBase: String)?

    public init() {}

    public struct Invalid: Error, CustomStringConvertible {
        public let variable: String
        public let value: String
        public let expected: String
        public var description: String { "\(variable)=\"\(value)\" is not valid: expected \(expected)" }
    }

    /// Reads the configuration from `environment` (the process's by default).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        var config = AppConfig()
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        if let host = value("BILLING_HOST") { config.host = host }
        if let port = value("BILLING_PORT") {
            guard let number = Int(port), (1...65_535).contains(number) else {
                throw Invalid(variable: "BILLING_PORT", value: port, expected: "a port number 1–65535")
            }
            config.port = number
        }
        config.baseURL = "http://\(config.host):\(config.port)"
        if let url = value("DATABASE_URL") {
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                guard URL(string: url)?.host != nil else {
                    throw Invalid(variable: "DATABASE_URL", value: "postgres://…", expected: "postgres://user:password@host:port/database")
                }
                config.storage = .postgres(url: url)
            } else if url == "sqlite::memory:" || url == "sqlite://:memory:" {
                config.storage = .sqliteMemory
            } else if url.hasPrefix("sqlite://") {
                let path = String(url.dropFirst("sqlite://".count))
                guard !path.isEmpty else { throw Invalid(variable: "DATABASE_URL", value: url, expected: "sqlite://path/to/file.sqlite") }
                config.storage = .sqliteFile(path)
            } else {
                throw Invalid(variable: "DATABASE_URL", value: url.hasPrefix("postgres") ? "postgres…" : url,
                              expected: "postgres://user:password@host:port/database or sqlite://path")
            }
        }
        if let zone = value("BILLING_TIME_ZONE") {
            guard let timeZone = TimeZone(identifier: zone) else {
                throw Invalid(variable: "BILLING_TIME_ZONE", value: zone, expected: "an IANA time zone such as Europe/Kyiv")
            }
            config.timeZone = timeZone
        }
        if let base = value("BILLING_BASE_URL") {
            guard let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw Invalid(variable: "BILLING_BASE_URL", value: base, expected: "an absolute http(s) URL such as https://my.example.com")
            }
            config.baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
            config.secureCookies = scheme == "https"
        }
        if let language = value("BILLING_LANGUAGE") {
            guard let parsed = Language(rawValue: language) else {
                throw Invalid(variable: "BILLING_LANGUAGE", value: language, expected: "one of en, ru, uk")
            }
            config.defaultLanguage = parsed
        }
        if let currency = value("BILLING_CURRENCY") {
            guard let parsed = Currency.named(currency) else {
                throw Invalid(variable: "BILLING_CURRENCY", value: currency,
                              expected: "one of " + Currency.all.map(\.code).joined(separator: ", "))
            }
            config.defaultCurrency = parsed
        }
        if let country = value("BILLING_COUNTRY") {
            guard country.count == 2, Locale.Region.isoRegions.contains(where: { $0.identifier == country.uppercased() }) else {
                throw Invalid(variable: "BILLING_COUNTRY", value: country, expected: "an ISO 3166 two-letter code such as DE")
            }
            config.defaultCountry = country.uppercased()
        }
        if let name = value("BILLING_PROVIDER_NAME") { config.providerName = name }
        if let cost = value("BILLING_BCRYPT_COST") {
            guard let number = Int(cost), (4...31).contains(number) else {
                throw Invalid(variable: "BILLING_BCRYPT_COST", value: cost, expected: "a number 4–31")
            }
            config.bcryptCost = number
        }
        if let mode = value("BILLING_ENV") {
            switch mode {
            case "development": config.developmentMode = true
            case "production": config.developmentMode = false
            default: throw Invalid(variable: "BILLING_ENV", value: mode, expected: "development or production")
            }
        }
        if let demo = value("BILLING_DEMO") {
            guard let flag = ["1": true, "true": true, "yes": true, "0": false, "false": false, "no": false][demo.lowercased()] else {
                throw Invalid(variable: "BILLING_DEMO", value: demo, expected: "true or false")
            }
            config.seedDemo = flag
        }
        if let jobs = value("BILLING_JOBS") {
            guard let flag = ["on": true, "true": true, "1": true, "off": false, "false": false, "0": false][jobs.lowercased()] else {
                throw Invalid(variable: "BILLING_JOBS", value: jobs, expected: "on or off")
            }
            config.runJobs = flag
        }
        if let sandbox = value("BILLING_SANDBOX_GATEWAY") {
            guard let flag = ["on": true, "true": true, "1": true, "off": false, "false": false, "0": false][sandbox.lowercased()] else {
                throw Invalid(variable: "BILLING_SANDBOX_GATEWAY", value: sandbox, expected: "on or off")
            }
            config.sandboxGateway = flag
        }
        if let key = value("STRIPE_SECRET_KEY") {
            guard let secret = value("STRIPE_WEBHOOK_SECRET") else {
                throw Invalid(variable: "STRIPE_WEBHOOK_SECRET", value: "", expected: "the endpoint's whsec_… secret when STRIPE_SECRET_KEY is set")
            }
            config.stripe = (key, secret, value("STRIPE_API_BASE") ?? "https://api.stripe.com")
        }
        if let shop = value("YOOKASSA_SHOP_ID") {
            guard let secret = value("YOOKASSA_SECRET_KEY") else {
                throw Invalid(variable: "YOOKASSA_SECRET_KEY", value: "", expected: "the shop's secret key when YOOKASSA_SHOP_ID is set")
            }
            config.yooKassa = (shop, secret, value("YOOKASSA_API_BASE") ?? "https://api.yookassa.ru")
        }
        return config
    }
}
