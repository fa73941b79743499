import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation
import Logging
import Messaging
import Payments
import Provisioning

/// What every use case needs from the outside: the database, the clock, the provider's calendar,
/// the password hasher and the texts. Built once at start-up (or per test) and passed down.
public struct EngineContext: Sendable {
    public let database: any Database
    public let clock: any Clock
    public let calendar: BillingCalendar
    public let passwords: any PasswordHashing
    public let texts: any TextCatalog
    public let provider: ProviderProfile
    /// The modules that open, stop and delete services on their backends, by name; each plan
    /// names its own (jobs call them, never a request).
    public let modules: ProcessingModules
    /// The payment gateways drivers configured, by name.
    public let gateways: PaymentGateways
    /// How the outbox's messages leave (SMTP, a Maildir in development); `nil`: they wait, and
    /// their jobs fail visibly until one is configured.
    public let mail: MailSender?
    /// How text messages leave (Twilio; the development channel); `nil`: they wait, and their
    /// jobs fail visibly until one is configured.
    public let sms: (any SMSChannel)?
    /// Where use cases log; a request's context carries the request's logger (and its request id).
    public let logger: Logger
    /// The site's addresses for links written outside a request (e-mails).
    public let links: any SiteLinks
    /// Encrypts the secrets the platform reads back (TOTP keys, module credentials).
    public let secrets: SecretBox

    public init(
        database: any Database, clock: any Clock, calendar: BillingCalendar, passwords: any PasswordHashing,
        texts: any TextCatalog, provider: ProviderProfile, modules: ProcessingModules = .simulated,
        gateways: PaymentGateways = PaymentGateways([]), mail: MailSender? = nil, sms: (any SMSChannel)? = nil,
        logger: Logger = Logger(label: "billing"),
        links: any SiteLinks, secrets: SecretBox
    ) {
        precondition(database is any SQLDatabase, "the billing platform runs on SQL databases only (SQLite, PostgreSQL)")
        self.database = database
        self.clock = clock
        self.calendar = calendar
        self.passwords = passwords
        self.texts = texts
        self.provider = provider
        self.modules = modules
        self.gateways = gateways
        self.mail = mail
        self.sms = sms
        self.logger = logger
        self.links = links
        self.secrets = secrets
    }

    /// The same context working on another database handle (a transaction).
    func on(_ database: any Database) -> EngineContext {
        EngineContext(
            database: database, clock: clock, calendar: calendar, passwords: passwords, texts: texts,
            provider: provider, modules: modules, gateways: gateways, mail: mail, sms: sms, logger: logger, links: links, secrets: secrets)
    }

    /// The same context logging through `logger` (a request's, so its lines carry the request id).
    public func logging(to logger: Logger) -> EngineContext {
        EngineContext(
            database: database, clock: clock, calendar: calendar, passwords: passwords, texts: texts,
            provider: provider, modules: modules, gateways: gateways, mail: mail, sms: sms, logger: logger, links: links, secrets: secrets)
    }

    /// The logger of one component with side effects: every line carries `component=<name>`.
    /// Log what happened and to which numbered object, never a secret (tokens, card data,
    /// passwords, message bodies).
    public func log(_ component: LogComponent) -> Logger {
        var logger = logger
        logger[metadataKey: "component"] = .string(component.rawValue)
        return logger
    }

    /// Today's billing date in the provider's time zone.
    public var today: LocalDate { calendar.date(of: clock.now) }

    public var ledger: Ledger { Ledger(database: database, clock: clock) }
    public var outbox: Outbox { Outbox(context: self) }
    public var jobs: JobQueue { JobQueue(context: self) }

    /// The module that runs a plan's services, with the name the plan gives it (`nil`: the
    /// installation's default); the module is `nil` when this installation has none of that name.
    func processingModule(forPlan planID: UUID) async throws -> (name: String?, module: (any ProcessingModule)?) {
        let name = try await PlanRecord.find(planID, on: database)?.processingModule
        return (name, modules.module(named: name))
    }
}

/// The payment gateway drivers of this installation, by name (`sandbox`, `stripe`, `yookassa`).
public struct PaymentGateways: Sendable {
    let drivers: [String: any PaymentGateway]

    public init(_ drivers: [any PaymentGateway]) {
        self.drivers = Dictionary(drivers.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    public func driver(_ name: String) -> (any PaymentGateway)? { drivers[name] }

    /// The same set with one driver replaced or added (tests swap in scripted drivers).
    public func replacing(_ driver: any PaymentGateway) -> PaymentGateways {
        var all = drivers
        all[driver.name] = driver
        return PaymentGateways(Array(all.values))
    }
}

/// The channel the outbox's messages go through, and who they come from.
public struct MailSender: Sendable {
    public let channel: any EmailChannel
    public let from: EmailAddressee

    public init(channel: any EmailChannel, from: EmailAddressee) {
        self.channel = channel
        self.from = from
    }
}

/// Provider-wide settings the use cases read.
public struct ProviderProfile: Sendable {
    public var name: String
    /// Where links in e-mails point, without a trailing slash, e.g. `https://my.example.com`.
    public var baseURL: String
    public var defaultLanguage: Language
    public var defaultCurrency: Currency
    public var defaultCountry: String

    public init(name: String, baseURL: String, defaultLanguage: Language, defaultCurrency: Currency, defaultCountry: String) {
        self.name = name
        self.baseURL = baseURL
        self.defaultLanguage = defaultLanguage
        self.defaultCurrency = defaultCurrency
        self.defaultCountry = defaultCountry
    }
}

/// Hashes and checks passwords. The server's implementation runs bcrypt on a thread pool, never on
/// the event loop.
public protocol PasswordHashing: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, against hash: String) async throws -> Bool
    /// A hash of no one's password, checked when the e-mail is unknown so that a failed login takes
    /// as long whether or not the user exists.
    var decoyHash: String { get }
}
