import BillingAPI
import BillingDomain
import BillingEngine
import BillingStore
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Messaging
import OpenAPIVapor
import Payments
import Provisioning
import Vapor

/// Wires the platform into a Vapor application: database, migrations, middleware, routes.
/// Used by `billing serve`, the tests, and the benchmarks alike.
public func configure(
    _ app: Application, config: AppConfig, clock: any BillingDomain.Clock = SystemClock(),
    postgresSearchPath: [String]? = nil, migrate: Bool = true
) async throws {
    app.http.server.configuration.hostname = config.host
    app.http.server.configuration.port = config.port
    app.routes.defaultMaxBodySize = "1mb"

    // A burst (a hundred webhook deliveries at once, a billing run beside the web) queues for a
    // connection; it waits up to 30 s instead of the pool's default 10 s before it is refused.
    let poolTimeout: TimeAmount = .seconds(30)
    switch config.storage {
    case .sqliteFile(let path):
        app.databases.use(.sqlite(.file(path), connectionPoolTimeout: poolTimeout, sqlLogLevel: .trace), as: .sqlite)
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory, connectionPoolTimeout: poolTimeout, sqlLogLevel: .trace), as: .sqlite)
    case .postgres(let url):
        // TLS follows the URL's `sslmode` (postgres-kit: `prefer` when absent, `disable`, `require`).
        var postgres = try SQLPostgresConfiguration(url: url)
        postgres.searchPath = postgresSearchPath
        app.databases.use(
            .postgres(configuration: postgres, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: poolTimeout, sqlLogLevel: .trace),
            as: .psql)
    }
    // Staff search reads folded names (`SearchText`); every save through Fluent keeps them.
    app.databases.middleware.use(UserSearchTextMiddleware())
    app.databases.middleware.use(AccountSearchTextMiddleware())
    if case .sqliteFile = config.storage {
        // SQLite keeps one connection per event loop, and these settings are per connection, so
        // each loop's connection gets them. WAL lets readers work while the billing run writes;
        // FULL keeps every committed payment on disk even if the machine loses power; the busy
        // timeout makes a writer wait for the other connection instead of failing at once.
        for eventLoop in app.eventLoopGroup.makeIterator() {
            guard let sql = app.databases.database(.sqlite, logger: app.logger, on: eventLoop)?.sql else { continue }
            try await sql.raw("PRAGMA busy_timeout=5000").run()
            try await sql.raw("PRAGMA journal_mode=WAL").run()
            try await sql.raw("PRAGMA synchronous=FULL").run()
        }
    }
    if let schema = postgresSearchPath?.first {
        let sql = app.db.sql
        // Tests run each in its own schema, so they can run in parallel on one database.
        try await sql.raw(SQLQueryString("CREATE SCHEMA IF NOT EXISTS \(ident: schema)")).run()
    }
    app.migrations.add(BillingMigrations.all)
    if migrate { try await app.autoMigrate() }

    let key = try await signingKey(on: app.db)
    var gateways: [any PaymentGateway] = []
    if config.sandboxGateway { gateways.append(SandboxGateway(secret: "sandbox:" + key, baseURL: config.baseURL)) }
    let http = VaporHTTPClient(client: app.client)
    if let stripe = config.stripe {
        gateways.append(
            StripeGateway(secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret, apiBase: stripe.apiBase, http: http))
    }
    if let yooKassa = config.yooKassa {
        gateways.append(YooKassaGateway(shopID: yooKassa.shopID, secretKey: yooKassa.secretKey, apiBase: yooKassa.apiBase, http: http))
    }
    let hasher = try BcryptPasswordHasher(threadPool: app.threadPool, eventLoop: app.eventLoopGroup, cost: config.bcryptCost)
    let from =
        config.mailFrom
        ?? EmailAddressee(
            name: config.providerName,
            address: "noreply@" + (URL(string: config.baseURL)?.host ?? "localhost"))
    let channel: (any EmailChannel)? =
        if let given = config.mailChannel {
            given
        } else if var relay = config.smtp {
            { () -> any EmailChannel in
                relay.heloName = URL(string: config.baseURL)?.host ?? "localhost"
                return SMTPChannel(configuration: relay, group: app.eventLoopGroup)
            }()
        } else if let folder = config.mailDirectory {
            MaildirChannel(directory: URL(fileURLWithPath: folder))
        } else {
            nil
        }
    let sms: (any SMSChannel)? =
        if let given = config.smsChannel {
            given
        } else if let twilio = config.twilio {
            TwilioSMSChannel(
                accountSID: twilio.accountSID, authToken: twilio.authToken, from: twilio.from, apiBase: twilio.apiBase, http: http)
        } else if config.developmentMode {
            DevelopmentSMSChannel()
        } else {
            nil
        }
    let secrets = try await secretKey(config, on: app.db, logger: app.logger)
    let engine = EngineContext(
        database: app.db, clock: clock, calendar: BillingCalendar(timeZone: config.timeZone), passwords: hasher,
        texts: Localizer.shared,
        provider: ProviderProfile(
            name: config.providerName, baseURL: config.baseURL, defaultLanguage: config.defaultLanguage,
            defaultCurrency: config.defaultCurrency, defaultCountry: config.defaultCountry),
        modules: processingModules(config, http: http, consoleKey: "console:" + secrets),
        gateways: PaymentGateways(gateways), mail: channel.map { MailSender(channel: $0, from: from) }, sms: sms,
        links: SiteLinkBuilder(baseURL: config.baseURL),
        secrets: SecretBox(keyMaterial: secrets))
    app.billing = BillingRuntime(
        config: config, engine: engine, signingKey: key,
        contentSecurityPolicy: SecurityHeadersMiddleware.contentSecurityPolicy(
            formTargets: Array(Set(gateways.flatMap(\.pageOrigins))).sorted()))

    app.middleware = Middlewares()
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    // Outside the error middleware, so that error pages and API errors carry the headers too.
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(PageErrorMiddleware())
    // Global rather than per route group, so that pages for unknown routes (404) are in the
    // user's language too and carry a working language switch.
    app.middleware.use(LanguageMiddleware())
    app.middleware.use(CSRFMiddleware())
    app.middleware.use(FormTextMiddleware())
    app.middleware.use(FormOnceMiddleware())
    try routes(app)
}

/// The modules plans may name: the simulated one (the default, which the demo's plans use), IPMI
/// for dedicated servers of the pool and, when configured, a libvirt host; and where reverse DNS is written: PowerDNS when configured,
/// in memory in development, nowhere in production.
private func processingModules(_ config: AppConfig, http: any OutboundHTTPClient, consoleKey: String) -> ProcessingModules {
    // IPMI acts only for plans that name it, on servers staff put in the pool.
    var modules: [any ProcessingModule] = [SimulatedProcessingModule(), IPMIModule()]
    if let host = config.libvirt {
        modules.append(
            LibvirtModule(
                configuration: LibvirtModule.Configuration(
                    uri: host.uri, domainType: host.domainType, pool: host.pool, network: host.network,
                    workFolder: URL(fileURLWithPath: host.workDirectory), consoleKey: consoleKey, netmask: host.netmask,
                    gateway: host.gateway, consoleHost: host.consoleHost)))
    }
    let reverse: (any ReverseDNSWriter)? =
        if let pdns = config.powerDNS {
            PowerDNSReverse(
                server: PowerDNS(apiBase: pdns.apiBase, apiKey: pdns.apiKey, serverID: pdns.serverID, http: http),
                nameServers: pdns.nameServers)
        } else if config.developmentMode {
            SimulatedReverseDNS()
        } else {
            nil
        }
    return ProcessingModules(modules, default: SimulatedProcessingModule().name, reverseDNS: reverse)
}

/// The key of the secrets the platform stores encrypted (`SecretBox`): `BILLING_SECRET_KEY`, kept
/// outside the database, so a copy of the database does not reveal them. Without it (the demo,
/// development) a key made on first start is kept in the database, which protects nothing from
/// whoever has the database; production says so in its log.
private func secretKey(_ config: AppConfig, on db: any Database, logger: Logger) async throws -> String {
    if let configured = config.secretKey { return configured }
    if !config.developmentMode {
        logger.warning("BILLING_SECRET_KEY is not set: stored secrets are encrypted with a key kept in the database")
    }
    return try await storedSecret(named: "secret_box_key", on: db)
}

/// The key that signs CSRF tokens and pay links: created on first start and shared through the
/// database by every instance, so a form rendered by one instance is accepted by another.
private func signingKey(on db: any Database) async throws -> String {
    try await storedSecret(named: "signing_key", on: db)
}

/// A random secret kept in `app_settings` under `name`, made by the first instance that asks
/// (another instance starting at the same moment reads the one that won).
private func storedSecret(named name: String, on db: any Database) async throws -> String {
    if let existing = try await SettingRecord.find(name, on: db) { return existing.value }
    let created = SettingRecord(key: name, value: SecretToken.generate())
    do { try await created.create(on: db) } catch {
        if let raced = try await SettingRecord.find(name, on: db) { return raced.value }
        throw error
    }
    return created.value
}

extension Application {
    /// The engine context of a configured application, for the CLI and tests.
    public var billingEngine: EngineContext { billing.engine }
}

func routes(_ app: Application) throws {
    app.get("health") { req async throws -> Response in
        do {
            try await req.db.sql.raw("SELECT 1").run()
            return Response(status: .ok, body: .init(string: "ok"))
        } catch {
            req.logger.error("health check: database does not answer")
            return Response(status: .serviceUnavailable, body: .init(string: "database unavailable"))
        }
    }
    AssetRoutes.register(on: app)
    try APIRoutes.register(on: app)

    try app.register(collection: ClientAuthController())
    try app.register(collection: LanguageController())
    let clientArea = app.grouped(ClientSessionMiddleware())
    try clientArea.register(collection: ClientAreaController())
    try clientArea.register(collection: OrderController())
    try clientArea.register(collection: ServicesController())
    try clientArea.register(collection: PaymentsController())
    try clientArea.register(collection: AccountUsersController())
    try clientArea.register(collection: SecurityController())
    try app.register(collection: PayLinkController())
    try app.register(collection: PrivacyPolicyController())
    try app.register(collection: SandboxGatewayController())
    try app.register(collection: WebhookController())

    let admin = app.grouped("admin")
    try admin.register(collection: StaffAuthController())
    let staffArea = admin.grouped(StaffSessionMiddleware(), StaffAuditMiddleware())
    try staffArea.register(collection: StaffAreaController())
    try staffArea.register(collection: StaffCatalogController())
    try staffArea.register(collection: StaffPaymentsController())
    try staffArea.register(collection: DevelopmentController())
    try staffArea.register(collection: StaffJobsController())
    try staffArea.register(collection: StaffServersController())
    try staffArea.register(collection: StaffSecurityController())
    try staffArea.register(collection: StaffPrivacyPolicyController())
}
