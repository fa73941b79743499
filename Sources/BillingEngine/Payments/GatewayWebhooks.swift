import BillingDomain
import BillingStore
import FluentKit
import Foundation
import Logging
import Payments

/// Receives gateway webhooks. A delivery is acted on only when its driver verified it (signature
/// and timestamp, or the gateway's own record); each event id is acted on once (a unique row per
/// gateway and event, written in the same transaction as its effect), so repeated, concurrent
/// and out-of-order deliveries end in one credit. Amounts come from the gateway, never from the
/// client.
public struct GatewayWebhooks: Sendable {
    let context: EngineContext
    var logger: Logger { context.log(.webhooks) }

    public init(context: EngineContext) {
        self.context = context
    }

    public enum Outcome: String, Sendable, Equatable {
        case credited, duplicate
        case alreadyCredited = "already_credited"
        case cancelled
        case methodSaved = "method_saved"
        case setupFailed = "setup_failed"
        case ignored
        case unknownReference = "unknown_reference"
        case mismatch
    }

    public func receive(gateway name: String, body: Data, headers: [String: String]) async throws -> Outcome {
        guard let driver = context.gateways.driver(name) else { throw WebhookRoutingError.unknownGateway }
        let envelope: WebhookEnvelope
        do {
            envelope = try await driver.verifyWebhook(body: body, headers: headers, receivedAt: context.clock.now)
        } catch let rejection as WebhookRejection {
            // Logged without the body or headers: they may carry what a forger wants to probe.
            logger.warning(
                "webhook refused",
                metadata: [
                    "gateway": .string(name), "reason": .string("\(rejection)"),
                    "bytes": .stringConvertible(body.count)
                ])
            throw rejection
        }
        if try await isKnown(envelope, gateway: name) { return .duplicate }
        do {
            let (outcome, credited) = try await context.database.transaction { tx in
                try await GatewayEventRecord(
                    gateway: name, eventID: envelope.eventID, kind: Self.kind(of: envelope.event),
                    reference: Self.reference(of: envelope.event), outcome: "received",
                    receivedAt: context.clock.now
                ).create(on: tx)
                let result = try await apply(envelope.event, gateway: name, on: tx)
                try await GatewayEventRecord.query(on: tx).filter(\.$gateway == name).filter(\.$eventID == envelope.eventID)
                    .set(\.$outcome, to: result.0.rawValue).update()
                return result
            }
            if let credited { try await PaymentFlow(context: context).settleOrder(credited) }
            logger.info(
                "webhook applied",
                metadata: [
                    "gateway": .string(name), "event": .string(envelope.eventID),
                    "outcome": .string(outcome.rawValue)
                ])
            return outcome
        } catch  where error.isConstraintViolation {
            // A concurrent delivery of the same event inserted its row first; ours rolled back.
            if try await isKnown(envelope, gateway: name) { return .duplicate }
            throw error
        }
    }

    private func isKnown(_ envelope: WebhookEnvelope, gateway: String) async throws -> Bool {
        try await GatewayEventRecord.query(on: context.database).filter(\.$gateway == gateway)
            .filter(\.$eventID == envelope.eventID).first() != nil
    }

    private func apply(_ event: GatewayEvent, gateway: String, on tx: any Database) async throws -> (Outcome, PaymentFlow.Credited?) {
        let flow = PaymentFlow(context: context.on(tx))
        switch event {
        case .paymentSucceeded(let reference, let gatewayPaymentID, let amount, let card):
            guard let payment = try await payment(reference, gateway: gateway, on: tx) else { return (.unknownReference, nil) }
            guard amount.currency == payment.currency else {
                logger.error("webhook amount in another currency", metadata: ["payment": .stringConvertible(payment.number)])
                return (.mismatch, nil)
            }
            let credited = try await flow.credit(
                payment, received: amount, gatewayPaymentID: gatewayPaymentID, card: card,
                actor: .gateway(gateway), on: tx)
            return credited.isNew ? (.credited, credited) : (.alreadyCredited, nil)
        case .paymentFailed(let reference):
            // A failure after the money came (out of order) changes nothing: only unpaid payments cancel.
            guard let payment = try await payment(reference, gateway: gateway, on: tx) else { return (.unknownReference, nil) }
            try await flow.cancel(paymentID: payment.id!, reason: "declined by the gateway")
            return (.cancelled, nil)
        case .setupSucceeded(let reference, let card):
            guard let id = UUID(uuidString: reference) else { return (.unknownReference, nil) }
            return (
                try await SavedMethods(context: context.on(tx)).completeSetup(savedMethodID: id, card: card, on: tx)
                    ? .methodSaved : .ignored, nil
            )
        case .setupFailed(let reference):
            guard let id = UUID(uuidString: reference) else { return (.unknownReference, nil) }
            return (try await SavedMethods(context: context.on(tx)).failSetup(savedMethodID: id, on: tx) ? .setupFailed : .ignored, nil)
        case .ignored:
            return (.ignored, nil)
        }
    }

    /// The payment an event names, if it was made through this gateway.
    private func payment(_ reference: String, gateway: String, on tx: any Database) async throws -> PaymentRecord? {
        guard let id = UUID(uuidString: reference), let payment = try await PaymentRecord.find(id, on: tx),
            payment.channel.rawValue == gateway
        else { return nil }
        return payment
    }

    static func kind(of event: GatewayEvent) -> String {
        switch event {
        case .paymentSucceeded: "payment_succeeded"
        case .paymentFailed: "payment_failed"
        case .setupSucceeded: "setup_succeeded"
        case .setupFailed: "setup_failed"
        case .ignored(let type): String(type.prefix(100))
        }
    }

    static func reference(of event: GatewayEvent) -> String {
        switch event {
        case .paymentSucceeded(let reference, _, _, _), .paymentFailed(let reference), .setupSucceeded(let reference, _),
            .setupFailed(let reference):
            String(reference.prefix(100))
        case .ignored: ""
        }
    }
}

public enum WebhookRoutingError: Error, Equatable { case unknownGateway }
