import BillingDomain
import Foundation
import Messaging

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
    /// bcrypt work factor; 12 by default, at least `productionBcryptCost` in production, lower only in tests.
    public var bcryptCost: Int = 12
    /// The key of the secrets stored encrypted (`BILLING_SECRET_KEY`, 32 characters or more):
    /// TOTP keys, module credentials. Keep it with the database backups: without it they are lost.
    public var secretKey: String?
    public static let productionBcryptCost = 10
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
    /// Origins (`https://reseller.example`) an API client may send its customers back to after a
    /// payment (`BILLING_API_RETURN_ORIGINS`), besides this installation's own. Anything else is
    /// refused, so our pay pages never redirect to an address a stranger chose.
    public var apiReturnOrigins: Set<String> = []
    /// Proxies whose `X-Forwarded-For` is believed (`BILLING_TRUSTED_PROXIES`); from anyone else
    /// the header is ignored, so a client cannot pick the address its login failures count on.
    public var trustedProxies = TrustedProxies([])
    /// The mail relay (`SMTP_URL`).
    public var smtp: SMTPConfiguration?
    /// Without a relay, mail is written into this Maildir folder (`MAIL_DIR`); a development
    /// installation writes to `billing-mail` in its working directory, where the sign-up and
    /// reset links are read (never from a page or a log).
    public var mailDirectory: String?
    /// A channel handed in by code (tests capture what is sent); before `smtp` and the folder.
    public var mailChannel: (any EmailChannel)?
    /// Who e-mails come from (`SMTP_FROM`); by default the provider's name at `noreply@` the base
    /// URL's host.
    public var mailFrom: EmailAddressee?
    /// Twilio for text messages (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_FROM`, and
    /// `TWILIO_API_BASE` for a stand-in). Without it a development installation keeps its texts
    /// for staff (`/admin/sms`), and production has no SMS channel (the messages wait).
    public var twilio: (accountSID: String, authToken: String, from: String, apiBase: String)?
    /// A channel handed in by code (tests); before `twilio`.
    public var smsChannel: (any SMSChannel)?
    /// YooKassa: on when the shop id and secret key are set.
    public var yooKassa: (shopID: String, secretKey: String, apiBase: String)?
    /// PowerDNS for the servers' reverse DNS (`PDNS_API_URL`, `PDNS_API_KEY`, `PDNS_NAME_SERVERS`
    /// for the reverse zones it creates, `PDNS_SERVER_ID`, `localhost` by default). Without it a
    /// development installation keeps reverse records in memory, and production has none (the
    /// Network tab shows them read-only).
    public var powerDNS: (apiBase: String, apiKey: String, serverID: String, nameServers: [HostName])?
    /// A libvirt host for VPS plans whose module is `libvirt` (`LIBVIRT_URI`, and `LIBVIRT_DOMAIN_TYPE`
    /// kvm by default, `LIBVIRT_POOL`, `LIBVIRT_NETWORK`, `LIBVIRT_WORK_DIR` for the domain XML,
    /// `LIBVIRT_NETMASK`, `LIBVIRT_GATEWAY` shown on the Network tab, `LIBVIRT_CONSOLE_HOST` the
    /// name clients open the VNC console on when it is not the URI's host).
    public var libvirt: LibvirtSettings?

    public struct LibvirtSettings: Sendable, Equatable {
        public var uri: String
        public var domainType = "kvm"
        public var pool = "default"
        public var network = "default"
        public var workDirectory = "libvirt-work"
        public var netmask: String?
        public var gateway: String?
        public var consoleHost: String?

        public init(uri: String) { self.uri = uri }
    }

    public init() {}

    /// One bad variable: its name, what it held (secrets left out) and what was expected.
    public struct Problem: Sendable, Equatable {
        public let variable: String
        public let value: String
        public let expected: String
        public var description: String { "\(variable)=\"\(value)\" is not valid: expected \(expected)" }
    }

    /// Every bad variable at once, so an operator fixes them in one go.
    public struct Invalid: Error, CustomStringConvertible {
        public let problems: [Problem]
        /// The first bad variable.
        public var variable: String { problems.first?.variable ?? "" }
        public var variables: [String] { problems.map(\.variable) }
        public var description: String { problems.map(\.description).joined(separator: "; ") }
    }

    /// The one vocabulary of on/off variables.
    static let flags: [String: Bool] = [
        "on": true, "true": true, "yes": true, "1": true,
        "off": false, "false": false, "no": false, "0": false
    ]

    /// Reads the configuration from `environment` (the process's by default). Every bad variable
    /// is reported at once; production refuses the development defaults that would be unsafe.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        var config = AppConfig()
        var problems: [Problem] = []
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func bad(_ variable: String, _ value: String, _ expected: String) {
            problems.append(Problem(variable: variable, value: value, expected: expected))
        }
        func flag(_ name: String) -> Bool? {
            guard let text = value(name) else { return nil }
            guard let flag = flags[text.lowercased()] else {
                bad(name, text, "on or off (also true/false, yes/no, 1/0)")
                return nil
            }
            return flag
        }
        if let host = value("BILLING_HOST") { config.host = host }
        if let port = value("BILLING_PORT") {
            if let number = Int(port), (1...65_535).contains(number) {
                config.port = number
            } else {
                bad("BILLING_PORT", port, "a port number 1–65535")
            }
        }
        config.baseURL = "http://\(config.host):\(config.port)"
        if let url = value("DATABASE_URL") {
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                // The URL holds a password: it is never echoed.
                if URL(string: url)?.host != nil {
                    config.storage = .postgres(url: url)
                } else {
                    bad("DATABASE_URL", "postgres://…", "postgres://user:password@host:port/database")
                }
            } else if url == "sqlite::memory:" || url == "sqlite://:memory:" {
                config.storage = .sqliteMemory
            } else if url.hasPrefix("sqlite://"), url.count > "sqlite://".count {
                config.storage = .sqliteFile(String(url.dropFirst("sqlite://".count)))
            } else {
                bad(
                    "DATABASE_URL", url.hasPrefix("postgres") || url.contains("@") ? "…" : url,
                    "postgres://user:password@host:port/database or sqlite://path")
            }
        }
        if let zone = value("BILLING_TIME_ZONE") {
            if let timeZone = TimeZone(identifier: zone) {
                config.timeZone = timeZone
            } else {
                bad("BILLING_TIME_ZONE", zone, "an IANA time zone such as Europe/Kyiv")
            }
        }
        if let base = value("BILLING_BASE_URL") {
            if let url = URL(string: base), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
                config.baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
                config.secureCookies = scheme == "https"
            } else {
                bad("BILLING_BASE_URL", base, "an absolute http(s) URL such as https://my.example.com")
            }
        }
        if let language = value("BILLING_LANGUAGE") {
            if let parsed = Language(rawValue: language) {
                config.defaultLanguage = parsed
            } else {
                bad("BILLING_LANGUAGE", language, "one of en, ru, uk")
            }
        }
        if let currency = value("BILLING_CURRENCY") {
            if let parsed = Currency.named(currency) {
                config.defaultCurrency = parsed
            } else {
                bad("BILLING_CURRENCY", currency, "one of " + Currency.all.map(\.code).joined(separator: ", "))
            }
        }
        if let country = value("BILLING_COUNTRY") {
            if country.count == 2, Locale.Region.isoRegions.contains(where: { $0.identifier == country.uppercased() }) {
                config.defaultCountry = country.uppercased()
            } else {
                bad("BILLING_COUNTRY", country, "an ISO 3166 two-letter code such as DE")
            }
        }
        if let name = value("BILLING_PROVIDER_NAME") { config.providerName = name }
        if let key = value("BILLING_SECRET_KEY") {
            if key.count >= 32 { config.secretKey = key } else { bad("BILLING_SECRET_KEY", "(hidden)", "at least 32 characters") }
        }
        if let cost = value("BILLING_BCRYPT_COST") {
            if let number = Int(cost), (4...31).contains(number) {
                config.bcryptCost = number
            } else {
                bad("BILLING_BCRYPT_COST", cost, "a number 4–31")
            }
        }
        if let mode = value("BILLING_ENV") {
            switch mode {
            case "development": config.developmentMode = true
            case "production": config.developmentMode = false
            default: bad("BILLING_ENV", mode, "development or production")
            }
        }
        if let demo = flag("BILLING_DEMO") { config.seedDemo = demo }
        if let jobs = flag("BILLING_JOBS") { config.runJobs = jobs }
        if let sandbox = flag("BILLING_SANDBOX_GATEWAY") { config.sandboxGateway = sandbox }
        if let origins = value("BILLING_API_RETURN_ORIGINS") {
            let list = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            // Origins only: a path, a query or a trailing slash is refused rather than guessed at.
            if list.allSatisfy({ AppConfig.origin(of: $0) == $0.lowercased() }) {
                config.apiReturnOrigins = Set(list.map { $0.lowercased() })
            } else {
                bad(
                    "BILLING_API_RETURN_ORIGINS", origins,
                    "a comma-separated list of origins such as https://shop.example,https://app.example:8443")
            }
        }
        if let proxies = value("BILLING_TRUSTED_PROXIES") {
            let list = proxies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if list.allSatisfy(TrustedProxies.isAddress) {
                config.trustedProxies = TrustedProxies(list)
            } else {
                bad("BILLING_TRUSTED_PROXIES", proxies, "a comma-separated list of IP addresses such as 127.0.0.1,10.0.0.5")
            }
        }
        if let key = value("STRIPE_SECRET_KEY") {
            if let secret = value("STRIPE_WEBHOOK_SECRET") {
                config.stripe = (key, secret, value("STRIPE_API_BASE") ?? "https://api.stripe.com")
            } else {
                bad("STRIPE_WEBHOOK_SECRET", "", "the endpoint's whsec_… secret when STRIPE_SECRET_KEY is set")
            }
        }
        if let shop = value("YOOKASSA_SHOP_ID") {
            if let secret = value("YOOKASSA_SECRET_KEY") {
                config.yooKassa = (shop, secret, value("YOOKASSA_API_BASE") ?? "https://api.yookassa.ru")
            } else {
                bad("YOOKASSA_SECRET_KEY", "", "the shop's secret key when YOOKASSA_SHOP_ID is set")
            }
        }
        if let sid = value("TWILIO_ACCOUNT_SID") {
            if let token = value("TWILIO_AUTH_TOKEN"), let from = value("TWILIO_FROM") {
                config.twilio = (sid, token, from, value("TWILIO_API_BASE") ?? "https://api.twilio.com")
            } else {
                bad("TWILIO_AUTH_TOKEN", "", "the auth token and TWILIO_FROM (a number or MG… service) when TWILIO_ACCOUNT_SID is set")
            }
        }
        if let api = value("PDNS_API_URL") {
            let names = (value("PDNS_NAME_SERVERS") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let hosts = names.compactMap(HostName.init)
            if URL(string: api)?.host == nil || !(api.hasPrefix("http://") || api.hasPrefix("https://")) {
                bad("PDNS_API_URL", api, "the API's base address such as http://127.0.0.1:8081")
            } else if value("PDNS_API_KEY") == nil {
                bad("PDNS_API_KEY", "", "the API key of PowerDNS when PDNS_API_URL is set")
            } else if hosts.isEmpty || hosts.count != names.count {
                bad(
                    "PDNS_NAME_SERVERS", value("PDNS_NAME_SERVERS") ?? "",
                    "a comma-separated list of host names such as ns1.example.com,ns2.example.com")
            } else {
                config.powerDNS = (
                    api.hasSuffix("/") ? String(api.dropLast()) : api, value("PDNS_API_KEY")!, value("PDNS_SERVER_ID") ?? "localhost", hosts
                )
            }
        }
        if let uri = value("LIBVIRT_URI") {
            var libvirt = LibvirtSettings(uri: uri)
            if let type = value("LIBVIRT_DOMAIN_TYPE") {
                if ["kvm", "qemu", "test"].contains(type) {
                    libvirt.domainType = type
                } else {
                    bad("LIBVIRT_DOMAIN_TYPE", type, "kvm, qemu or test")
                }
            }
            if let pool = value("LIBVIRT_POOL") { libvirt.pool = pool }
            if let network = value("LIBVIRT_NETWORK") { libvirt.network = network }
            if let folder = value("LIBVIRT_WORK_DIR") { libvirt.workDirectory = folder }
            if let host = value("LIBVIRT_CONSOLE_HOST") {
                if HostName(host) != nil || IPAddress(host) != nil {
                    libvirt.consoleHost = host
                } else {
                    bad("LIBVIRT_CONSOLE_HOST", host, "a host name or an address")
                }
            }
            for (name, keyPath) in [("LIBVIRT_NETMASK", \LibvirtSettings.netmask), ("LIBVIRT_GATEWAY", \LibvirtSettings.gateway)] {
                guard let text = value(name) else { continue }
                if IPAddress(text) != nil { libvirt[keyPath: keyPath] = text } else { bad(name, text, "an IPv4 or IPv6 address") }
            }
            config.libvirt = libvirt
        }
        if let url = value("SMTP_URL") {
            do { config.smtp = try SMTPConfiguration.parse(url) } catch {
                // The URL may hold a password: only its scheme is echoed.
                bad("SMTP_URL", String(url.prefix { $0 != ":" }) + "://…", error.reason)
            }
        }
        if let folder = value("MAIL_DIR") { config.mailDirectory = folder }
        if let from = value("SMTP_FROM") {
            if let addressee = EmailAddressee.parse(from) {
                config.mailFrom = addressee
            } else {
                bad("SMTP_FROM", from, "an address such as billing@example.com or Name <billing@example.com>")
            }
        }
        if config.developmentMode, config.smtp == nil, config.mailDirectory == nil { config.mailDirectory = "billing-mail" }
        if !config.developmentMode {
            // Production refuses what only a demo may have: a gateway that pays without money, and
            // logins printed in the README.
            if config.sandboxGateway {
                bad(
                    "BILLING_SANDBOX_GATEWAY", value("BILLING_SANDBOX_GATEWAY") ?? "on (default)",
                    "off in production: the sandbox gateway credits balances without real money")
            }
            if config.seedDemo {
                bad(
                    "BILLING_DEMO", value("BILLING_DEMO") ?? "true (default)",
                    "false in production: the demo data has published logins")
            }
            // Without https the session cookies are not `Secure` and there is no HSTS: a login on
            // any network on the way can be read.
            if !config.secureCookies {
                bad(
                    "BILLING_BASE_URL", value("BILLING_BASE_URL") ?? "\(config.baseURL) (default)",
                    "the public https:// address in production, such as https://my.example.com")
            }
            if config.bcryptCost < Self.productionBcryptCost {
                bad(
                    "BILLING_BCRYPT_COST", String(config.bcryptCost),
                    "\(Self.productionBcryptCost) or more in production: a lower cost lets a stolen database's passwords be guessed")
            }
        }
        guard problems.isEmpty else { throw Invalid(problems: problems) }
        return config
    }
}

extension AppConfig {
    /// `scheme://host[:port]` of an http(s) address, lower-cased; `nil` for anything else.
    public static func origin(of text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host?.lowercased(), !host.isEmpty
        else { return nil }
        return url.port.map { "\(scheme)://\(host):\($0)" } ?? "\(scheme)://\(host)"
    }
}
