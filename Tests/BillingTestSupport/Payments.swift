import BillingDomain
import BillingEngine
import BillingServer
import Foundation
import Messaging
import Payments
import Provisioning
import Vapor

/// A sandbox card as the gateway would report it: pays through the pay page, signs webhooks.
public enum Sandbox {
    public static func gateway(_ app: Application) -> SandboxGateway { app.engine.gateways.driver("sandbox") as! SandboxGateway }

    /// What the sandbox's pay page sends after the payer pressed "Pay" with `card`.
    public static func paid(_ app: Application, redirect: String, card: String = "4242424242424242") -> (Data, [String: String]) {
        let gateway = gateway(app)
        let token = String(redirect.split(separator: "/").last!)
        let session = gateway.session(fromToken: token)!
        let (body, signature) = gateway.webhook(for: session, outcome: .pay(cardNumber: card), at: app.engine.clock.now)
        return (body, ["Sandbox-Signature": signature, "Content-Type": "application/json"])
    }
}

extension Application {
    /// A card method in EUR with the given terms, through the sandbox gateway.
    public func cardMethod(percent: Int64 = 0, fixed: String = "0", cashback: Int64 = 0, minimum: String? = nil) async throws -> UUID {
        try await PaymentMethods(context: engine).save(
            PaymentMethodForm(
                kind: .sandbox, name: "Card", currency: .EUR, commissionPercent: Percentage(basisPoints: percent),
                commissionFixed: try MoneyFormat.parse(fixed, currency: .EUR, language: .en),
                minimum: try minimum.map { try MoneyFormat.parse($0, currency: .EUR, language: .en) },
                cashbackPercent: Percentage(basisPoints: cashback)))
    }

    public func balance(_ accountID: UUID) async throws -> Money { try await engine.ledger.balance(of: accountID, in: .EUR) }
}

extension EngineContext {
    /// The same context with one gateway driver replaced (tests script declines with it). Only
    /// tests swap drivers; the product's set is fixed at start-up.
    public func replacingGateway(_ driver: any PaymentGateway) -> EngineContext {
        EngineContext(
            database: database, clock: clock, calendar: calendar, passwords: passwords, texts: texts,
            provider: provider, modules: modules, gateways: gateways.replacing(driver), mail: mail, logger: logger, links: links)
    }
}

extension EngineContext {
    /// The same context with these processing modules (tests hand in a `StandInModule`).
    public func replacingModules(_ modules: ProcessingModules) -> EngineContext {
        EngineContext(
            database: database, clock: clock, calendar: calendar, passwords: passwords, texts: texts,
            provider: provider, modules: modules, gateways: gateways, mail: mail, logger: logger, links: links)
    }

    /// The same context sending mail through `channel` (a relay that is down, a wrong password).
    public func replacingMailChannel(_ channel: any EmailChannel) -> EngineContext {
        EngineContext(
            database: database, clock: clock, calendar: calendar, passwords: passwords, texts: texts,
            provider: provider, modules: modules, gateways: gateways,
            mail: MailSender(channel: channel, from: mail?.from ?? EmailAddressee(address: "noreply@billing.test")), logger: logger,
            links: links)
    }

    /// Runs every job due now, as the worker in `serve` would, and returns what it did.
    @discardableResult
    public func runJobs() async throws -> JobWorker.Round {
        try await JobWorker(context: self, owner: "test-worker").drain()
    }
}

extension Application {
    /// Runs every job due now with the application's engine (its simulated module).
    @discardableResult
    public func runJobs() async throws -> JobWorker.Round { try await engine.runJobs() }
}
