import BillingDomain
import BillingEngine
import BillingStore
import Crypto
import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import Messaging
import NIOPosix
import Payments

/// The engine alone, on a fresh database of its own, with no web server: what engine tests run
/// on. It is wired as `configure` wires the application's engine (the same migrations, model
/// middlewares, SQLite settings, texts, sandbox gateway and simulated module), with stand-ins only
/// where the server brings something of its own: a fast password hasher instead of bcrypt (which
/// lives in Vapor) and the site's link paths written out (the server's `RoutingTests` pin the
/// real ones to the same paths).
public final class TestEngine: TestPlatform {
    public let engine: EngineContext
    public var db: any Database { engine.database }

    init(engine: EngineContext) { self.engine = engine }

    public static func run(clock: TestClock = TestClock(TestEngine.start), _ body: (TestEngine, TestClock) async throws -> Void)
        async throws
    {
        let database = try await TestDatabase.make()
        let group = MultiThreadedEventLoopGroup.singleton
        let databases = Databases(threadPool: .singleton, on: group)
        // Tests check what a burst leaves behind, not how fast it goes (benchmarks do that): a
        // hundred and fifty tasks queued for a connection while the whole suite runs beside them
        // on two cores waited past the 30 s of production (0.8 s alone), so here they wait longer.
        switch database.location {
        case .sqlite(let path):
            databases.use(.sqlite(.file(path), connectionPoolTimeout: .seconds(120)), as: .sqlite)
        case .postgres(let url):
            databases.use(
                .postgres(
                    configuration: try SQLPostgresConfiguration(url: url), maxConnectionsPerEventLoop: 4,
                    connectionPoolTimeout: .seconds(120)),
                as: .psql)
        }
        databases.middleware.use(UserSearchTextMiddleware())
        databases.middleware.use(AccountSearchTextMiddleware())
        var logger = Logger(label: "billing.test")
        logger.logLevel = .warning
        var failure: (any Error)?
        do {
            if case .sqlite = database.location {
                // As `configure` does: each loop's connection waits for a writer and syncs fully.
                for eventLoop in group.makeIterator() {
                    guard let sql = databases.database(logger: logger, on: eventLoop)?.sql else { continue }
                    try await sql.raw("PRAGMA busy_timeout=5000").run()
                    try await sql.raw("PRAGMA journal_mode=WAL").run()
                    try await sql.raw("PRAGMA synchronous=FULL").run()
                }
            }
            guard let db = databases.database(logger: logger, on: group.any()) else { throw TemplateError("no database configured") }
            let baseURL = "http://billing.test"
            let engine = EngineContext(
                database: db, clock: clock, calendar: BillingCalendar(timeZone: TimeZone(identifier: "Europe/Kyiv")!),
                passwords: TestPasswordHasher(), texts: try TestTexts.shared.get(),
                provider: ProviderProfile(
                    name: "Demo Hosting", baseURL: baseURL, defaultLanguage: .en, defaultCurrency: .EUR, defaultCountry: "DE"),
                gateways: PaymentGateways([SandboxGateway(secret: "sandbox:test", baseURL: baseURL)]),
                mail: MailSender(
                    channel: CapturingMailChannel(), from: EmailAddressee(name: "Demo Hosting", address: "noreply@billing.test")),
                logger: logger, links: TestSiteLinks(baseURL: baseURL), secrets: SecretBox(keyMaterial: "test secret key"))
            try await body(TestEngine(engine: engine), clock)
            // Every test ends with each kept client balance equal to the sum of its ledger
            // entries, whatever paths it took (skipped where a test dropped the tables).
            if let mismatches = try? await engine.ledger.balanceMismatches(), !mismatches.isEmpty {
                throw LedgerDrift(mismatches: mismatches)
            }
        } catch {
            failure = error
        }
        await databases.shutdownAsync()
        await database.drop()
        if let failure { throw failure }
    }

    /// 2026-01-15 09:00 UTC: a fixed start so dates in assertions are exact.
    public static let start = Date(timeIntervalSince1970: 1_768_467_600)
}

/// A test left a kept client balance that differs from its ledger entries.
public struct LedgerDrift: Error, CustomStringConvertible {
    public let mismatches: [Ledger.BalanceMismatch]
    public init(mismatches: [Ledger.BalanceMismatch]) { self.mismatches = mismatches }
    public var description: String { "client balances drifted from the ledger: \(mismatches)" }
}

/// The server's own text catalogs, read from its `Locales` folder (the binary embeds the same
/// files), so what engine tests read in e-mails is what clients read.
public enum TestTexts {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/BillingServer/Locales")

    /// Read and decoded once per test process.
    static let shared = Result { try catalog() }

    public static func catalog() throws -> JSONTextCatalog {
        var files: [Language: Data] = [:]
        for language in Language.allCases {
            files[language] = try Data(contentsOf: folder.appendingPathComponent(language.rawValue + ".json"))
        }
        return try JSONTextCatalog(files)
    }
}

/// Salted SHA-256 in place of bcrypt, which lives in the web server: engine tests check that a
/// password is kept as a digest and verified, not how slow the digest is. Never used outside tests.
struct TestPasswordHasher: PasswordHashing {
    let decoyHash = "test-sha256$decoy$" + String(repeating: "0", count: 64)

    func hash(_ password: String) async throws -> String {
        let salt = SecretToken.generate()
        return "test-sha256$\(salt)$" + Self.digest(salt, password)
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "test-sha256" else { return false }
        return Self.digest(String(parts[1]), password) == parts[2]
    }

    static func digest(_ salt: String, _ password: String) -> String {
        SHA256.hash(data: Data((salt + ":" + password).utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The site's addresses as the server writes them (`SiteURL`); `RoutingTests` pins the server's
/// links to these same paths.
public struct TestSiteLinks: SiteLinks {
    public let baseURL: String

    public init(baseURL: String) { self.baseURL = baseURL }

    public func url(_ page: PublicPage) -> String {
        switch page {
        case .login: baseURL + "/login"
        case .passwordForgot: baseURL + "/password/forgot"
        }
    }

    public func url(_ link: MailLink) -> String {
        let path =
            switch link {
            case .passwordReset: "/password/reset/"
            case .signUpConfirmation: "/signup/confirm/"
            case .signIn: "/login/link/"
            case .staffSignIn: "/admin/login/link/"
            case .invitation: "/invite/"
            case .emailConfirmation: "/emails/confirm/"
            case .staffInvitation: "/admin/invite/"
            }
        return baseURL + path + MailLink.placeholder
    }
}
