import BillingDomain
import BillingEngine
import BillingStore
import FluentKit
import Foundation
import Messaging
import Payments
import Provisioning

/// What a test works on: the engine and its database. `TestEngine` is the engine alone (engine
/// tests, no web server); the application of `BillingTestSupport` is one too, so page tests
/// reach the same helpers.
public protocol TestPlatform: Sendable {
    var engine: EngineContext { get }
    var db: any Database { get }
}

extension TestPlatform {
    /// Signs up a client with a known password and returns its ids.
    @discardableResult
    public func signUpClient(
        email: String = "anna@example.com", password: String = "correct horse battery",
        name: String = "Anna Client", country: String = "UA",
        language: BillingDomain.Language = .en,
        currency: Currency? = nil
    ) async throws -> AccountRegistration.Registered {
        try await AccountRegistration(context: engine).signUp(
            SignUpForm(email: email, password: password, name: name, country: country, language: language, currency: currency))
    }

    /// An account as the edge hands it to use cases.
    public func account(_ id: UUID) async throws -> Account {
        Account(try await accountRecord(id), fallback: engine.provider.defaultCurrency)
    }

    /// The stored account, for tests that check a column.
    public func accountRecord(_ id: UUID) async throws -> AccountRecord {
        try await AccountRecord.find(id, on: db)!
    }

    /// Credits a client's balance as a staff top-up would.
    public func topUp(_ accountID: UUID, _ amount: Money, key: String) async throws {
        try await engine.ledger.post(
            try .credit(
                client: accountID, amount: amount, from: .staffAdjustments,
                kind: .staffAdjustment, memo: "Top-up", idempotencyKey: key), actor: .testSetUp)
    }

    /// A client's euro balance.
    public func balance(_ accountID: UUID) async throws -> Money { try await engine.ledger.balance(of: accountID, in: .EUR) }

    /// Orders `planID` for a client and pays it from the balance, as the order form does; answers
    /// the new service.
    @discardableResult
    public func orderPaid(_ planID: UUID, domain: String, for accountID: UUID, period: BillingPeriod = .month) async throws -> ServiceRecord
    {
        let owner = Caller.testOwner(try await account(accountID))
        try await Cart(context: engine).add(OrderConfiguration(planID: planID, period: period, domainName: domain), caller: owner)
        try await Orders(context: engine).checkout(caller: owner, payFromBalance: true)
        // The module opens it (the worker in `serve` does so within a second).
        try await runJobs()
        return try await ServiceRecord.query(on: db).filter(\.$accountID == accountID).sort(\.$number, .descending).first()!
    }

    /// A service ordered and paid from the balance through `context` (a test's own processing
    /// modules); its "open" job is queued, not run: the test runs it and sees what its module says.
    public func orderPaid(_ planID: UUID, domain: String, for accountID: UUID, through context: EngineContext) async throws -> ServiceRecord
    {
        let owner = Caller.testOwner(try await account(accountID))
        try await Cart(context: context).add(OrderConfiguration(planID: planID, period: .month, domainName: domain), caller: owner)
        try await Orders(context: context).checkout(caller: owner, payFromBalance: true)
        return try await ServiceRecord.query(on: db).filter(\.$accountID == accountID).sort(\.$number, .descending).first()!
    }

    /// A card method in EUR with the given terms, through the sandbox gateway.
    public func cardMethod(percent: Int64 = 0, fixed: String = "0", cashback: Int64 = 0, minimum: String? = nil) async throws -> UUID {
        try await PaymentMethods(context: engine).save(
            PaymentMethodForm(
                kind: .sandbox, name: "Card", currency: .EUR, commissionPercent: Percentage(basisPoints: percent),
                commissionFixed: try MoneyFormat.parse(fixed, currency: .EUR, language: .en),
                minimum: try minimum.map { try MoneyFormat.parse($0, currency: .EUR, language: .en) },
                cashbackPercent: Percentage(basisPoints: cashback)), caller: .testStaff)
    }

    /// Runs every job due now with the platform's engine (its simulated module).
    @discardableResult
    public func runJobs() async throws -> JobWorker.Round { try await engine.runJobs() }

    /// Moves the clock one day at a time up to `date` (provider's calendar), running the daily
    /// jobs on each day as the in-process scheduler would.
    public func runDays(until date: LocalDate, clock: TestClock, each: (LocalDate) async throws -> Void = { _ in }) async throws {
        let runner = JobRunner(context: engine, owner: "test-runner")
        while engine.today < date {
            clock.advance(days: 1)
            try await each(engine.today)
            try await runner.runDue()
            // The worker in `serve` runs the jobs the pass queued within a second.
            try await runJobs()
        }
    }

    /// Every e-mail the mail jobs delivered so far, oldest first (run `runJobs()` first).
    public var sentMail: [EmailMessage] { (engine.mail?.channel as? CapturingMailChannel)?.messages ?? [] }

    /// Sends what the outbox holds (runs every due job) and answers the e-mails delivered to
    /// `recipient`, oldest first.
    public func deliveredMail(to recipient: String) async throws -> [EmailMessage] {
        try await runJobs()
        return sentMail.filter { $0.to == recipient }
    }

    /// Sends what the outbox holds and answers the tokens of the links under `path`
    /// (`/password/reset/`, `/signup/confirm/`) in the e-mails `recipient` received, oldest first.
    public func mailedTokens(to recipient: String, path: String) async throws -> [String] {
        try await deliveredMail(to: recipient).compactMap { message in
            message.text.components(separatedBy: path).dropFirst().first.map { String($0.prefix { !$0.isWhitespace }) }
        }
    }
}

/// A sandbox card as the gateway would report it: pays through the pay page, signs webhooks.
public enum Sandbox {
    public static func gateway(_ platform: some TestPlatform) -> SandboxGateway {
        platform.engine.gateways.driver("sandbox") as! SandboxGateway
    }

    /// What the sandbox's pay page sends after the payer pressed "Pay" with `card`.
    public static func paid(_ platform: some TestPlatform, redirect: String, card: String = "4242424242424242") -> (Data, [String: String])
    {
        let gateway = gateway(platform)
        let token = String(redirect.split(separator: "/").last!)
        let session = gateway.session(fromToken: token)!
        let (body, signature) = gateway.webhook(for: session, outcome: .pay(cardNumber: card), at: platform.engine.clock.now)
        return (body, ["Sandbox-Signature": signature, "Content-Type": "application/json"])
    }
}

extension EngineContext {
    /// The same context with one gateway driver replaced (tests script declines with it). Only
    /// tests swap drivers; the product's set is fixed at start-up.
    public func replacingGateway(_ driver: any PaymentGateway) -> EngineContext {
        EngineContext(
            database: database, clock: clock, calendar: calendar, passwords: passwords, texts: texts,
            provider: provider, modules: modules, gateways: gateways.replacing(driver), mail: mail, logger: logger, links: links,
            secrets: secrets)
    }

    /// The same context with these processing modules (tests hand in a `StandInModule`).
    public func replacingModules(_ modules: ProcessingModules) -> EngineContext {
        EngineContext(
            database: database, clock: clock, calendar: calendar, passwords: passwords, texts: texts,
            provider: provider, modules: modules, gateways: gateways, mail: mail, logger: logger, links: links, secrets: secrets)
    }

    /// The same context sending mail through `channel` (a relay that is down, a wrong password).
    public func replacingMailChannel(_ channel: any EmailChannel) -> EngineContext {
        EngineContext(
            database: database, clock: clock, calendar: calendar, passwords: passwords, texts: texts,
            provider: provider, modules: modules, gateways: gateways,
            mail: MailSender(channel: channel, from: mail?.from ?? EmailAddressee(address: "noreply@billing.test")), logger: logger,
            links: links, secrets: secrets)
    }

    /// Runs every job due now, as the worker in `serve` would, and returns what it did.
    @discardableResult
    public func runJobs() async throws -> JobWorker.Round {
        try await JobWorker(context: self, owner: "test-worker").drain()
    }
}
