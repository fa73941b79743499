import BillingDomain
import Foundation

/// YooKassa, through its documented HTTP API v3: payments with a redirect confirmation
/// (`save_payment_method` when the payer saves the card), recurring payments by
/// `payment_method_id`, refunds, and HTTP notifications. Requests use Basic auth (shop id and
/// secret key) and an `Idempotence-Key`.
///
/// Saving a card without a purchase follows YooKassa's "binding during a two-stage payment for
/// the minimum amount": a payment of 1.00 with `capture: false` and `save_payment_method`; once
/// the payer confirms it (`waiting_for_capture`, method saved) the driver cancels it, the hold is
/// released, and the saved method stays.
///
/// Notifications are not signed by YooKassa, so a notification is never trusted by itself: the
/// driver reads the payment back from the API and acts on that record (its status, amount and
/// metadata). A forged notification therefore changes nothing.
public struct YooKassaGateway: PaymentGateway {
    public let name = "yookassa"
    public let supportsSetup = true
    let shopID: String
    let secretKey: String
    let apiBase: String

    /// YooKassa's payment pages (yoomoney.ru); a stand-in (another API base) serves its own.
    public var pageOrigins: [String] {
        apiBase == "https://api.yookassa.ru" ? ["https://yoomoney.ru"] : [Self.origin(of: apiBase)].compactMap { $0 }
    }
    let http: any OutboundHTTPClient

    public init(shopID: String, secretKey: String, apiBase: String = "https://api.yookassa.ru", http: any OutboundHTTPClient) {
        self.shopID = shopID
        self.secretKey = secretKey
        self.apiBase = apiBase
        self.http = http
    }

    public func startCheckout(_ request: CheckoutRequest) async throws -> GatewayRedirect {
        let body: [String: Any] = [
            "amount": Self.amount(request.amount), "capture": true,
            "confirmation": ["type": "redirect", "return_url": request.returnURL],
            "description": String(request.description.prefix(128)),
            "metadata": ["reference": request.reference],
            "save_payment_method": request.saveMethod
        ]
        let payment = try await post("/v3/payments", body, idempotencyKey: "checkout:" + request.idempotencyKey)
        guard let id = payment.string("id"), let url = payment.object("confirmation")?.string("confirmation_url")
        else { throw GatewayFailure.unavailable("no confirmation url") }
        return GatewayRedirect(sessionID: id, url: url)
    }

    /// A card check: 1.00 held, never captured, cancelled once the card is saved.
    public func startSetup(_ request: SetupRequest) async throws -> GatewayRedirect {
        let body: [String: Any] = [
            "amount": Self.amount(Money(major: 1, request.currency)), "capture": false,
            "confirmation": ["type": "redirect", "return_url": request.returnURL],
            "description": "Card check, the amount is released",
            "metadata": ["reference": request.reference, "purpose": Self.setupPurpose],
            "save_payment_method": true
        ]
        let payment = try await post("/v3/payments", body, idempotencyKey: "setup:" + request.idempotencyKey)
        guard let id = payment.string("id"), let url = payment.object("confirmation")?.string("confirmation_url")
        else { throw GatewayFailure.unavailable("no confirmation url") }
        return GatewayRedirect(sessionID: id, url: url)
    }

    static let setupPurpose = "card_setup"

    /// A card check as YooKassa has it. Confirmed by the payer, it is cancelled (the 1.00 hold is
    /// released) and reported as a saved card; cancelled with the card saved (by us, or when the
    /// hold expired), it is the same event again; cancelled without, the set-up failed.
    private func setupEnvelope(_ payment: [String: Any], paymentID: String) async throws -> WebhookEnvelope {
        let reference = payment.object("metadata")?.string("reference") ?? ""
        let method = payment.object("payment_method")
        let card = method.flatMap { method -> SavedCard? in
            guard (method["saved"] as? Bool) == true, let token = method.string("id") else { return nil }
            return SavedCard(token: token, customerID: nil, label: method.string("title") ?? "Card")
        }
        switch payment.string("status") {
        case "waiting_for_capture":
            try await cancel(paymentID)
            guard let card else { return WebhookEnvelope(eventID: "setup.failed:\(paymentID)", event: .setupFailed(reference: reference)) }
            return WebhookEnvelope(eventID: "setup.succeeded:\(paymentID)", event: .setupSucceeded(reference: reference, card: card))
        case "canceled":
            guard let card else { return WebhookEnvelope(eventID: "setup.failed:\(paymentID)", event: .setupFailed(reference: reference)) }
            return WebhookEnvelope(eventID: "setup.succeeded:\(paymentID)", event: .setupSucceeded(reference: reference, card: card))
        default:
            return WebhookEnvelope(eventID: "setup.\(payment.string("status") ?? "unknown"):\(paymentID)", event: .ignored(type: "setup"))
        }
    }

    /// Releases a held payment. Already cancelled is fine; YooKassa not answering is thrown, so
    /// the notification is answered 500 and delivered again.
    private func cancel(_ paymentID: String) async throws {
        do {
            _ = try await post("/v3/payments/\(paymentID)/cancel", [:], idempotencyKey: "cancel:" + paymentID)
        } catch GatewayFailure.rejected {
            return
        }
    }

    public func charge(_ request: OffSessionCharge) async throws -> ChargeOutcome {
        let body: [String: Any] = [
            "amount": Self.amount(request.amount), "capture": true, "payment_method_id": request.methodToken,
            "description": String(request.description.prefix(128)), "metadata": ["reference": request.reference]
        ]
        let payment = try await post("/v3/payments", body, idempotencyKey: "charge:" + request.idempotencyKey)
        switch payment.string("status") {
        case "succeeded":
            guard let id = payment.string("id"), let amount = Self.money(payment.object("amount")) else {
                throw GatewayFailure.unavailable("no amount")
            }
            return .succeeded(gatewayPaymentID: id, amount: amount)
        default:
            // `canceled` carries the bank's reason (insufficient_funds, card_expired …).
            return .declined(reason: payment.object("cancellation_details")?.string("reason") ?? payment.string("status") ?? "declined")
        }
    }

    public func refund(gatewayPaymentID: String, amount: Money, idempotencyKey: String) async throws -> String {
        let refund = try await post(
            "/v3/refunds", ["payment_id": gatewayPaymentID, "amount": Self.amount(amount)],
            idempotencyKey: "refund:" + idempotencyKey)
        guard let id = refund.string("id") else { throw GatewayFailure.unavailable("no refund id") }
        return id
    }

    public func verifyWebhook(body: Data, headers: [String: String], receivedAt: Date) async throws -> WebhookEnvelope {
        guard let notification = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            notification.string("type") == "notification", let event = notification.string("event"),
            let paymentID = notification.object("object")?.string("id"),
            paymentID.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        else { throw WebhookRejection.malformed }
        guard event.hasPrefix("payment.") else { return WebhookEnvelope(eventID: "\(event):\(paymentID)", event: .ignored(type: event)) }
        // The payment as YooKassa has it: the only record acted on.
        let payment: [String: Any]
        do { payment = try await get("/v3/payments/\(paymentID)") } catch GatewayFailure.rejected {
            throw WebhookRejection.badSignature
        }
        if payment.object("metadata")?.string("purpose") == Self.setupPurpose {
            return try await setupEnvelope(payment, paymentID: paymentID)
        }
        let reference = payment.object("metadata")?.string("reference") ?? ""
        let status = payment.string("status") ?? ""
        // The event id is the payment and the state it reached: a repeat of it is a duplicate.
        let eventID = "payment.\(status):\(paymentID)"
        switch status {
        case "succeeded":
            guard let amount = Self.money(payment.object("amount")) else { throw WebhookRejection.malformed }
            var card: SavedCard?
            if let method = payment.object("payment_method"), (method["saved"] as? Bool) == true, let token = method.string("id") {
                card = SavedCard(token: token, customerID: nil, label: method.string("title") ?? "Card")
            }
            return WebhookEnvelope(
                eventID: eventID,
                event: .paymentSucceeded(
                    reference: reference, gatewayPaymentID: paymentID,
                    amount: amount, savedCard: card))
        case "canceled":
            return WebhookEnvelope(eventID: eventID, event: .paymentFailed(reference: reference))
        default:
            // The notification claims more than the record shows (pending, waiting_for_capture).
            return WebhookEnvelope(eventID: eventID, event: .ignored(type: event))
        }
    }

    static func amount(_ money: Money) -> [String: String] {
        ["value": MoneyFormat.plain(money.roundedToMinorUnit()), "currency": money.currency.code]
    }

    static func money(_ object: [String: Any]?) -> Money? {
        guard let object, let value = object.string("value"), let currency = object.string("currency").flatMap(Currency.named),
            case .success(let money) = Result(catching: { try MoneyFormat.parse(value, currency: currency, language: .en) })
        else { return nil }
        return money
    }

    // MARK: HTTP

    private var authorization: String { "Basic " + Data("\(shopID):\(secretKey)".utf8).base64EncodedString() }

    private func post(_ path: String, _ body: [String: Any], idempotencyKey: String) async throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        return try await send(
            OutboundHTTPRequest(
                method: "POST", url: apiBase + path,
                headers: [
                    "Authorization": authorization, "Content-Type": "application/json", "Idempotence-Key": idempotencyKey
                ], body: data))
    }

    private func get(_ path: String) async throws -> [String: Any] {
        try await send(OutboundHTTPRequest(method: "GET", url: apiBase + path, headers: ["Authorization": authorization]))
    }

    private func send(_ request: OutboundHTTPRequest) async throws -> [String: Any] {
        let response: OutboundHTTPResponse
        do { response = try await http.send(request) } catch { throw GatewayFailure.unavailable(String(describing: error)) }
        let object = (try? response.json()) ?? [:]
        guard (200..<300).contains(response.status) else {
            let message = object.string("description") ?? "HTTP \(response.status)"
            throw response.status >= 500 || response.status == 429 ? GatewayFailure.unavailable(message) : GatewayFailure.rejected(message)
        }
        return object
    }
}
