import BillingDomain
import Crypto
import Foundation

/// The card gateway that ships with the product, for demos and tests: the redirect goes to its
/// own pay page (served by the platform under `/sandbox-gateway`), where the payer pays, fails or
/// abandons, and it reports back with a signed webhook exactly as a real gateway does.
///
/// Sessions are stateless: the session id is the signed request itself, so the same checkout
/// asked twice (a double click) is the same session. Test cards follow Stripe's:
/// `4242 4242 4242 4242` pays and charges off-session, `4000 0000 0000 0341` pays but its saved
/// card is declined later, `4000 0000 0000 0002` is declined at once.
public struct SandboxGateway: PaymentGateway {
    public let name = "sandbox"
    public let supportsSetup = true
    /// Signs sessions and webhooks; the platform keeps it in its settings.
    let secret: String
    /// Where the platform serves the sandbox's pages, e.g. `https://my.example.com`.
    let baseURL: String

    public init(secret: String, baseURL: String) {
        self.secret = secret
        self.baseURL = baseURL
    }

    public static let cardsThatPay = ["4242424242424242", "4000000000000341"]
    public static let cardDeclinedOffSession = "0341"

    /// What a sandbox session carries: everything its pay page shows and reports back.
    public struct Session: Codable, Sendable, Equatable {
        public enum Mode: String, Codable, Sendable { case payment, setup }
        public let mode: Mode
        public let reference: String
        /// In minor units (cents, kopecks), as gateways count.
        public let amountMinor: Int64
        public let currency: String
        public let description: String
        public let returnURL: String
        public let cancelURL: String
        public let saveMethod: Bool

        public var amount: Money? { Currency.named(currency).map { Money(minor: amountMinor, $0) } }
    }

    public func startCheckout(_ request: CheckoutRequest) async throws -> GatewayRedirect {
        let session = Session(
            mode: .payment, reference: request.reference, amountMinor: request.amount.roundedToMinorUnit().minorUnits,
            currency: request.amount.currency.code, description: request.description,
            returnURL: request.returnURL, cancelURL: request.cancelURL, saveMethod: request.saveMethod)
        return redirect(for: session)
    }

    public func startSetup(_ request: SetupRequest) async throws -> GatewayRedirect {
        let session = Session(
            mode: .setup, reference: request.reference, amountMinor: 0, currency: request.currency.code,
            description: "", returnURL: request.returnURL, cancelURL: request.cancelURL, saveMethod: true)
        return redirect(for: session)
    }

    private func redirect(for session: Session) -> GatewayRedirect {
        let token = sessionToken(session)
        return GatewayRedirect(sessionID: "sbx_cs_" + String(token.suffix(24)), url: "\(baseURL)/sandbox-gateway/pay/\(token)")
    }

    func sessionToken(_ session: Session) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let payload = Base64URL.encode((try? encoder.encode(session)) ?? Data())
        return payload + "." + mac(payload)
    }

    /// Reads a session from its pay page's URL; `nil` if it was not signed by this gateway.
    public func session(fromToken token: String) -> Session? {
        let parts = token.split(separator: ".")
        guard parts.count == 2, ConstantTime.equals(String(parts[1]), mac(String(parts[0]))),
            let data = Base64URL.decode(String(parts[0]))
        else { return nil }
        return try? JSONDecoder().decode(Session.self, from: data)
    }

    /// What the payer did on the pay page.
    public enum Outcome: Sendable {
        case pay(cardNumber: String)
        case fail
    }

    /// The webhook the sandbox sends after the payer acted: body and `Sandbox-Signature` header.
    public func webhook(for session: Session, outcome: Outcome, at time: Date) -> (body: Data, signature: String) {
        var object: [String: Any] = ["reference": session.reference]
        let type: String
        switch outcome {
        case .pay(let number):
            let digits = number.filter(\.isNumber)
            let pays = Self.cardsThatPay.contains(digits)
            let kind = session.mode == .setup ? "setup" : "payment"
            type = pays ? "\(kind).succeeded" : "\(kind).failed"
            if pays {
                if session.mode == .payment {
                    object["payment_id"] = "sbx_pay_" + UUID().uuidString.lowercased().prefix(18)
                    object["amount"] = session.amountMinor
                    object["currency"] = session.currency
                }
                if session.saveMethod || session.mode == .setup {
                    let last4 = String(digits.suffix(4))
                    object["card"] = [
                        "token": "sbx_pm_\(last4)_" + UUID().uuidString.lowercased().prefix(12), "label": "Visa •••• \(last4)"
                    ]
                }
            }
        case .fail:
            type = session.mode == .setup ? "setup.failed" : "payment.failed"
        }
        let event: [String: Any] = [
            "id": "evt_" + UUID().uuidString.lowercased(), "type": type,
            "created": Int(time.timeIntervalSince1970), "data": object
        ]
        let body = (try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])) ?? Data()
        return (body, TimestampedSignature.header(for: body, secret: secret, at: time))
    }

    public func charge(_ request: OffSessionCharge) async throws -> ChargeOutcome {
        guard request.methodToken.hasPrefix("sbx_pm_") else { throw GatewayFailure.rejected("unknown payment method") }
        if request.methodToken.hasPrefix("sbx_pm_\(Self.cardDeclinedOffSession)_") {
            return .declined(reason: "card_declined")
        }
        let id = "sbx_pay_" + String(Hex.encode(SHA256.hash(data: Data(request.idempotencyKey.utf8))).prefix(18))
        return .succeeded(gatewayPaymentID: id, amount: request.amount.roundedToMinorUnit())
    }

    public func refund(gatewayPaymentID: String, amount: Money, idempotencyKey: String) async throws -> String {
        guard gatewayPaymentID.hasPrefix("sbx_pay_") else { throw GatewayFailure.rejected("unknown payment") }
        return "sbx_re_" + String(Hex.encode(SHA256.hash(data: Data(idempotencyKey.utf8))).prefix(18))
    }

    public func verifyWebhook(body: Data, headers: [String: String], receivedAt: Date) async throws -> WebhookEnvelope {
        try TimestampedSignature.verify(header: headers.header("Sandbox-Signature"), body: body, secret: secret, now: receivedAt)
        guard let event = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let id = event.string("id"),
            let type = event.string("type"), let data = event.object("data"), let reference = data.string("reference")
        else { throw WebhookRejection.malformed }
        let card = data.object("card").flatMap { card -> SavedCard? in
            guard let token = card.string("token"), let label = card.string("label") else { return nil }
            return SavedCard(token: token, customerID: nil, label: label)
        }
        switch type {
        case "payment.succeeded":
            guard let paymentID = data.string("payment_id"), let minor = data.integer("amount"),
                let currency = data.string("currency").flatMap(Currency.named)
            else { throw WebhookRejection.malformed }
            return WebhookEnvelope(
                eventID: id,
                event: .paymentSucceeded(
                    reference: reference, gatewayPaymentID: paymentID,
                    amount: Money(minor: minor, currency), savedCard: card))
        case "payment.failed": return WebhookEnvelope(eventID: id, event: .paymentFailed(reference: reference))
        case "setup.succeeded":
            guard let card else { throw WebhookRejection.malformed }
            return WebhookEnvelope(eventID: id, event: .setupSucceeded(reference: reference, card: card))
        case "setup.failed": return WebhookEnvelope(eventID: id, event: .setupFailed(reference: reference))
        default: return WebhookEnvelope(eventID: id, event: .ignored(type: type))
        }
    }

    private func mac(_ text: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: Data(("session:" + secret).utf8)))
        return Base64URL.encode(Data(code))
    }

    /// Delivers a webhook as gateways do: again after a pause when the platform failed (a 5xx
    /// or no answer), up to `pauses.count` attempts. Handling a webhook is idempotent, so a
    /// retry after a lost answer credits nothing twice. Returns the last status (nil: none).
    public static func deliver(
        pauses: [Duration] = [.zero, .milliseconds(200), .seconds(1)],
        _ send: (_ attempt: Int) async -> UInt?
    ) async throws -> UInt? {
        var status: UInt?
        for (index, pause) in pauses.enumerated() {
            if pause > .zero { try await Task.sleep(for: pause) }
            status = await send(index + 1)
            if let status, status < 500 { return status }
        }
        return status
    }
}
