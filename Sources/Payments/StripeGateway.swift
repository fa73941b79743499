import BillingDomain
import Foundation

/// Stripe, through its documented HTTP API: Checkout Sessions for payments (`mode=payment`,
/// with `setup_future_usage=off_session` when the payer saves the card) and for saving a card
/// (`mode=setup`, a SetupIntent), off-session PaymentIntents for subscriptions, Refunds, and
/// `Stripe-Signature` webhooks. Every POST carries an `Idempotency-Key`.
public struct StripeGateway: PaymentGateway {
    public let name = "stripe"
    public let supportsSetup = true
    let secretKey: String
    let webhookSecret: String
    let apiBase: String

    /// Stripe Checkout's pages; a stand-in (another API base) serves its pages itself.
    public var pageOrigins: [String] {
        apiBase == "https://api.stripe.com" ? ["https://checkout.stripe.com"] : [Self.origin(of: apiBase)].compactMap { $0 }
    }
    let http: any OutboundHTTPClient

    public init(secretKey: String, webhookSecret: String, apiBase: String = "https://api.stripe.com", http: any OutboundHTTPClient) {
        self.secretKey = secretKey
        self.webhookSecret = webhookSecret
        self.apiBase = apiBase
        self.http = http
    }

    public func startCheckout(_ request: CheckoutRequest) async throws -> GatewayRedirect {
        let customer = try await customer(
            request.customerID, email: request.customerEmail, key: request.idempotencyKey,
            needed: request.saveMethod)
        var fields: [(String, String)] = [
            ("mode", "payment"),
            ("success_url", request.returnURL), ("cancel_url", request.cancelURL),
            ("client_reference_id", request.reference), ("metadata[reference]", request.reference),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][price_data][currency]", request.amount.currency.code.lowercased()),
            ("line_items[0][price_data][unit_amount]", String(request.amount.roundedToMinorUnit().minorUnits)),
            ("line_items[0][price_data][product_data][name]", request.description),
            ("payment_intent_data[metadata][reference]", request.reference)
        ]
        if let customer {
            fields.append(("customer", customer))
        } else {
            fields.append(("customer_email", request.customerEmail))
        }
        if request.saveMethod { fields.append(("payment_intent_data[setup_future_usage]", "off_session")) }
        let session = try await post("/v1/checkout/sessions", fields, idempotencyKey: "checkout:" + request.idempotencyKey)
        guard let id = session.string("id"), let url = session.string("url") else { throw GatewayFailure.unavailable("no session url") }
        return GatewayRedirect(sessionID: id, url: url, customerID: customer)
    }

    public func startSetup(_ request: SetupRequest) async throws -> GatewayRedirect {
        let customer = try await customer(request.customerID, email: request.customerEmail, key: request.idempotencyKey, needed: true)
        let fields: [(String, String)] = [
            ("mode", "setup"), ("currency", request.currency.code.lowercased()), ("customer", customer ?? ""),
            ("success_url", request.returnURL), ("cancel_url", request.cancelURL),
            ("client_reference_id", request.reference), ("setup_intent_data[metadata][reference]", request.reference)
        ]
        let session = try await post("/v1/checkout/sessions", fields, idempotencyKey: "setup:" + request.idempotencyKey)
        guard let id = session.string("id"), let url = session.string("url") else { throw GatewayFailure.unavailable("no session url") }
        return GatewayRedirect(sessionID: id, url: url, customerID: customer)
    }

    /// The account's Stripe customer: the known one, or a new one when a card is to be saved.
    private func customer(_ known: String?, email: String, key: String, needed: Bool) async throws -> String? {
        if let known { return known }
        guard needed else { return nil }
        let created = try await post("/v1/customers", [("email", email)], idempotencyKey: "customer:" + key)
        guard let id = created.string("id") else { throw GatewayFailure.unavailable("no customer id") }
        return id
    }

    public func charge(_ request: OffSessionCharge) async throws -> ChargeOutcome {
        let fields: [(String, String)] = [
            ("amount", String(request.amount.roundedToMinorUnit().minorUnits)),
            ("currency", request.amount.currency.code.lowercased()),
            ("customer", request.customerID ?? ""), ("payment_method", request.methodToken),
            ("off_session", "true"), ("confirm", "true"),
            ("description", request.description), ("metadata[reference]", request.reference)
        ]
        let response = try await send(
            "POST", "/v1/payment_intents", body: FormEncoding.encode(fields),
            idempotencyKey: "charge:" + request.idempotencyKey)
        let object = try response.json()
        if response.status == 402 || response.status == 400, let error = object.object("error") {
            // card_declined, authentication_required, expired_card …: the card needs its owner.
            return .declined(reason: error.string("code") ?? error.string("message") ?? "declined")
        }
        try Self.check(response, object)
        guard object.string("status") == "succeeded", let id = object.string("id"), let minor = object.integer("amount_received"),
            let currency = object.string("currency").flatMap({ Currency.named($0.uppercased()) })
        else { return .declined(reason: object.string("status") ?? "not succeeded") }
        return .succeeded(gatewayPaymentID: id, amount: Money(minor: minor, currency))
    }

    public func refund(gatewayPaymentID: String, amount: Money, idempotencyKey: String) async throws -> String {
        let refund = try await post(
            "/v1/refunds",
            [
                ("payment_intent", gatewayPaymentID),
                ("amount", String(amount.roundedToMinorUnit().minorUnits))
            ],
            idempotencyKey: "refund:" + idempotencyKey)
        guard let id = refund.string("id") else { throw GatewayFailure.unavailable("no refund id") }
        return id
    }

    public func verifyWebhook(body: Data, headers: [String: String], receivedAt: Date) async throws -> WebhookEnvelope {
        try TimestampedSignature.verify(header: headers.header("Stripe-Signature"), body: body, secret: webhookSecret, now: receivedAt)
        guard let event = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let id = event.string("id"),
            let type = event.string("type"), let object = event.object("data")?.object("object")
        else { throw WebhookRejection.malformed }
        let reference = object.string("client_reference_id") ?? object.object("metadata")?.string("reference") ?? ""
        switch type {
        case "checkout.session.completed", "checkout.session.async_payment_succeeded":
            if object.string("mode") == "setup" {
                guard let intent = object.string("setup_intent") else { throw WebhookRejection.malformed }
                let setup = try await get("/v1/setup_intents/\(intent)?expand[]=payment_method")
                guard let card = Self.card(setup.object("payment_method"), customer: setup.string("customer") ?? object.string("customer"))
                else { return WebhookEnvelope(eventID: id, event: .setupFailed(reference: reference)) }
                return WebhookEnvelope(eventID: id, event: .setupSucceeded(reference: reference, card: card))
            }
            // A delayed method (a bank debit) completes the session unpaid; its money comes with
            // async_payment_succeeded.
            guard object.string("payment_status") == "paid" else { return WebhookEnvelope(eventID: id, event: .ignored(type: type)) }
            guard let intent = object.string("payment_intent"), let minor = object.integer("amount_total"),
                let currency = object.string("currency").flatMap({ Currency.named($0.uppercased()) })
            else { throw WebhookRejection.malformed }
            var saved: SavedCard?
            if object.string("customer") != nil {
                let paymentIntent = try await get("/v1/payment_intents/\(intent)?expand[]=payment_method")
                if paymentIntent.string("setup_future_usage") == "off_session" {
                    saved = Self.card(paymentIntent.object("payment_method"), customer: paymentIntent.string("customer"))
                }
            }
            return WebhookEnvelope(
                eventID: id,
                event: .paymentSucceeded(
                    reference: reference, gatewayPaymentID: intent,
                    amount: Money(minor: minor, currency), savedCard: saved))
        case "checkout.session.async_payment_failed", "checkout.session.expired":
            return WebhookEnvelope(
                eventID: id,
                event: object.string("mode") == "setup"
                    ? .setupFailed(reference: reference)
                    : .paymentFailed(reference: reference))
        default:
            return WebhookEnvelope(eventID: id, event: .ignored(type: type))
        }
    }

    static func card(_ method: [String: Any]?, customer: String?) -> SavedCard? {
        guard let method, let token = method.string("id") else { return nil }
        let card = method.object("card")
        let brand = (card?.string("brand") ?? "card").capitalized
        return SavedCard(token: token, customerID: customer, label: "\(brand) •••• \(card?.string("last4") ?? "????")")
    }

    // MARK: HTTP

    private func post(_ path: String, _ fields: [(String, String)], idempotencyKey: String) async throws -> [String: Any] {
        let response = try await send("POST", path, body: FormEncoding.encode(fields), idempotencyKey: idempotencyKey)
        let object = try response.json()
        try Self.check(response, object)
        return object
    }

    private func get(_ path: String) async throws -> [String: Any] {
        let response = try await send("GET", path, body: nil, idempotencyKey: nil)
        let object = try response.json()
        try Self.check(response, object)
        return object
    }

    private func send(_ method: String, _ path: String, body: Data?, idempotencyKey: String?) async throws -> OutboundHTTPResponse {
        var headers = ["Authorization": "Bearer \(secretKey)", "Stripe-Version": "2024-06-20"]
        if body != nil { headers["Content-Type"] = "application/x-www-form-urlencoded" }
        if let idempotencyKey { headers["Idempotency-Key"] = idempotencyKey }
        do {
            return try await http.send(OutboundHTTPRequest(method: method, url: apiBase + path, headers: headers, body: body))
        } catch {
            throw GatewayFailure.unavailable(String(describing: error))
        }
    }

    static func check(_ response: OutboundHTTPResponse, _ object: [String: Any]) throws {
        guard (200..<300).contains(response.status) else {
            let message = object.object("error")?.string("message") ?? "HTTP \(response.status)"
            throw response.status >= 500 || response.status == 429 ? GatewayFailure.unavailable(message) : GatewayFailure.rejected(message)
        }
    }
}
