import BillingDomain
import Foundation
import NIOConcurrencyHelpers
import Payments
import Testing

/// A payment gateway for tests that fails by default: each operation does only what the test
/// scripted, and an operation it did not script records an issue (the test fails) and throws.
/// A call nobody expected can never pass unseen, even where the engine would swallow the error
/// (a failed off-session charge is "gateway unavailable, try tomorrow"). Every call is counted.
public final class StandInGateway: PaymentGateway, Sendable {
    public typealias Checkout = @Sendable (CheckoutRequest) async throws -> GatewayRedirect
    public typealias Setup = @Sendable (SetupRequest) async throws -> GatewayRedirect
    public typealias Charge = @Sendable (OffSessionCharge) async throws -> ChargeOutcome
    public typealias Refund = @Sendable (_ gatewayPaymentID: String, _ amount: Money, _ idempotencyKey: String) async throws -> String
    public typealias Webhook = @Sendable (_ body: Data, _ headers: [String: String], _ receivedAt: Date) async throws -> WebhookEnvelope

    public let name: String
    public let supportsSetup: Bool
    private let checkout: Checkout?
    private let setup: Setup?
    private let chargeStep: Charge?
    private let refundStep: Refund?
    private let webhook: Webhook?
    private let counts = NIOLockedValueBox<[String: Int]>([:])

    public init(
        name: String, supportsSetup: Bool = true, checkout: Checkout? = nil, setup: Setup? = nil, charge: Charge? = nil,
        refund: Refund? = nil, webhook: Webhook? = nil
    ) {
        self.name = name
        self.supportsSetup = supportsSetup
        self.checkout = checkout
        self.setup = setup
        self.chargeStep = charge
        self.refundStep = refund
        self.webhook = webhook
    }

    /// How many times `operation` (`checkout`, `setup`, `charge`, `refund`, `webhook`) was called.
    public func calls(_ operation: String) -> Int { counts.withLockedValue { $0[operation] ?? 0 } }

    /// The error an unscripted operation throws after recording the issue.
    public struct UnexpectedCall: Error, CustomStringConvertible {
        public let operation: String
        public var description: String { "the test did not expect the gateway's \(operation)" }
    }

    private func step<Step>(_ operation: String, _ scripted: Step?) throws -> Step {
        counts.withLockedValue { $0[operation, default: 0] += 1 }
        guard let scripted else {
            Issue.record("unexpected call to the \(name) gateway's \(operation)")
            throw UnexpectedCall(operation: operation)
        }
        return scripted
    }

    public func startCheckout(_ request: CheckoutRequest) async throws -> GatewayRedirect {
        try await step("checkout", checkout)(request)
    }

    public func startSetup(_ request: SetupRequest) async throws -> GatewayRedirect { try await step("setup", setup)(request) }

    public func charge(_ request: OffSessionCharge) async throws -> ChargeOutcome { try await step("charge", chargeStep)(request) }

    public func refund(gatewayPaymentID: String, amount: Money, idempotencyKey: String) async throws -> String {
        try await step("refund", refundStep)(gatewayPaymentID, amount, idempotencyKey)
    }

    public func verifyWebhook(body: Data, headers: [String: String], receivedAt: Date) async throws -> WebhookEnvelope {
        try await step("webhook", webhook)(body, headers, receivedAt)
    }
}
