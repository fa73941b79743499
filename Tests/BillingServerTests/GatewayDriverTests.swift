import BillingDomain
import BillingServer
import Foundation
import NIOConcurrencyHelpers
import Payments
import Testing
import Vapor

/// Local stand-ins for Stripe and YooKassa, served over real HTTP on a free port. They check the
/// requests the way the real services do (authentication, idempotency keys, required fields,
/// amounts in the right units) and answer with the documented shapes, so the drivers are tested
/// end to end without reaching the internet.
final class GatewayStandIn: @unchecked Sendable {
    let app: Application
    private(set) var port = 0
    private let state = NIOLockedValueBox(State())

    struct State {
        var idempotent: [String: String] = [:]
        var requests: [(path: String, fields: [String: String])] = []
        var yooPayments: [String: [String: Any]] = [:]
        var counter = 0
    }

    var requests: [(path: String, fields: [String: String])] { state.withLockedValue { $0.requests } }

    static let stripeKey = "sk_test_standin"
    static let yooAuth = "Basic " + Data("54321:test_secret".utf8).base64EncodedString()

    init() async throws {
        app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        routes()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        port = app.http.server.shared.localAddress?.port ?? 0
    }

    func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    private func next(_ prefix: String) -> String {
        state.withLockedValue {
            $0.counter += 1
            return "\(prefix)_\($0.counter)"
        }
    }

    private static func json(_ status: HTTPStatus, _ object: [String: Any]) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(data: try! JSONSerialization.data(withJSONObject: object)))
    }

    private static func stripeError(_ status: HTTPStatus, _ message: String, code: String = "parameter_missing") -> Response {
        json(status, ["error": ["type": "invalid_request_error", "code": code, "message": message]])
    }

    private func routes() {
        // Stripe: Bearer secret key, form bodies, Idempotency-Key replays the first answer.
        let stripe: @Sendable (String, @escaping @Sendable ([String: String]) -> Response) -> Void = { [self] path, handler in
            app.post(path.pathComponents) { req -> Response in
                guard req.headers.first(name: .authorization) == "Bearer \(Self.stripeKey)" else {
                    return Self.stripeError(.unauthorized, "Invalid API Key provided", code: "api_key_invalid")
                }
                guard req.headers.contentType == .urlEncodedForm else { return Self.stripeError(.badRequest, "form body expected") }
                let fields = FormEncoding.decode(req.body.data.map { Data(buffer: $0) } ?? Data())
                self.state.withLockedValue { $0.requests.append((path, fields)) }
                let key = req.headers.first(name: "Idempotency-Key")
                if let key, let replay = self.state.withLockedValue({ $0.idempotent[key] }) {
                    return Self.json(.ok, try! JSONSerialization.jsonObject(with: Data(replay.utf8)) as! [String: Any])
                }
                let response = handler(fields)
                if let key, response.status == .ok, let data = response.body.data {
                    self.state.withLockedValue { $0.idempotent[key] = String(decoding: data, as: UTF8.self) }
                }
                return response
            }
        }
        stripe("v1/customers") { [self] fields in
            guard fields["email"] != nil else { return Self.stripeError(.badRequest, "Missing email") }
            return Self.json(.ok, ["id": next("cus"), "object": "customer"])
        }
        stripe("v1/checkout/sessions") { [self] fields in
            for required in ["mode", "success_url", "cancel_url"] where fields[required] == nil {
                return Self.stripeError(.badRequest, "Missing required param: \(required).")
            }
            if fields["mode"] == "payment" {
                guard let amount = fields["line_items[0][price_data][unit_amount]"].flatMap(Int.init), amount > 0,
                    let currency = fields["line_items[0][price_data][currency]"], currency == currency.lowercased(), currency.count == 3
                else { return Self.stripeError(.badRequest, "Invalid line_items") }
            }
            let id = next("cs_test")
            return Self.json(.ok, ["id": id, "object": "checkout.session", "url": "https://checkout.stripe.test/c/pay/\(id)"])
        }
        stripe("v1/payment_intents") { [self] fields in
            guard fields["off_session"] == "true", fields["confirm"] == "true", let method = fields["payment_method"],
                let customer = fields["customer"], !customer.isEmpty, let amount = fields["amount"].flatMap(Int.init)
            else {
                return Self.stripeError(.badRequest, "off_session, confirm, customer and payment_method are required")
            }
            if method == "pm_card_chargeDeclined" {
                return Self.json(
                    .paymentRequired, ["error": ["type": "card_error", "code": "card_declined", "message": "Your card was declined."]])
            }
            return Self.json(
                .ok, ["id": next("pi"), "status": "succeeded", "amount_received": amount, "currency": fields["currency"] ?? "eur"])
        }
        stripe("v1/refunds") { [self] fields in
            guard fields["payment_intent"] != nil, fields["amount"].flatMap(Int.init) != nil else {
                return Self.stripeError(.badRequest, "Missing payment_intent or amount")
            }
            return Self.json(.ok, ["id": next("re"), "status": "succeeded"])
        }
        app.get("v1", "payment_intents", ":id") { req -> Response in
            guard req.headers.first(name: .authorization) == "Bearer \(Self.stripeKey)" else {
                return Self.stripeError(.unauthorized, "key")
            }
            return Self.json(
                .ok,
                [
                    "id": req.parameters.get("id")!, "customer": "cus_1", "setup_future_usage": "off_session",
                    "payment_method": ["id": "pm_card_visa", "card": ["brand": "visa", "last4": "4242"]]
                ])
        }

        // YooKassa: Basic auth, JSON bodies, Idempotence-Key required on every POST.
        app.post("v3", "payments") { [self] req -> Response in
            guard req.headers.first(name: .authorization) == Self.yooAuth else {
                return Self.json(.unauthorized, ["type": "error", "code": "invalid_credentials"])
            }
            guard req.headers.first(name: "Idempotence-Key") != nil else {
                return Self.json(.badRequest, ["type": "error", "description": "Idempotence-Key is missing"])
            }
            guard let body = try? JSONSerialization.jsonObject(with: req.body.data.map { Data(buffer: $0) } ?? Data()) as? [String: Any],
                let amount = body["amount"] as? [String: String], let value = amount["value"],
                value.range(of: #"^\d+\.\d{2}$"#, options: .regularExpression) != nil
            else {
                return Self.json(.badRequest, ["type": "error", "description": "amount.value must be a string with two decimals"])
            }
            let id = next("2d")
            var payment: [String: Any] = ["id": id, "amount": amount, "metadata": body["metadata"] ?? [:], "paid": false]
            state.withLockedValue {
                $0.requests.append(
                    (
                        "v3/payments",
                        [
                            "value": value, "capture": "\(body["capture"] as? Bool ?? true)",
                            "save": "\(body["save_payment_method"] as? Bool ?? false)"
                        ]
                    ))
            }
            if let method = body["payment_method_id"] as? String {
                payment["status"] = method == "declined_card" ? "canceled" : "succeeded"
                if method == "declined_card" {
                    payment["cancellation_details"] = ["party": "payment_network", "reason": "insufficient_funds"]
                }
            } else {
                payment["status"] = "pending"
                payment["confirmation"] = ["type": "redirect", "confirmation_url": "https://yoomoney.test/checkout?orderId=\(id)"]
                if body["save_payment_method"] as? Bool == true { payment["save_requested"] = true }
            }
            state.withLockedValue { $0.yooPayments[id] = payment }
            return Self.json(.ok, payment)
        }
        app.get("v3", "payments", ":id") { [self] req -> Response in
            guard req.headers.first(name: .authorization) == Self.yooAuth else { return Self.json(.unauthorized, ["type": "error"]) }
            guard let payment = state.withLockedValue({ $0.yooPayments[req.parameters.get("id")!] }) else {
                return Self.json(.notFound, ["type": "error", "code": "not_found"])
            }
            return Self.json(.ok, payment)
        }
        // Only a payment waiting for capture can be cancelled; the hold is then released.
        app.post("v3", "payments", ":id", "cancel") { [self] req -> Response in
            guard req.headers.first(name: .authorization) == Self.yooAuth, req.headers.first(name: "Idempotence-Key") != nil else {
                return Self.json(.badRequest, ["type": "error"])
            }
            let id = req.parameters.get("id")!
            let cancelled: [String: Any]? = state.withLockedValue { state in
                guard state.yooPayments[id]?["status"] as? String == "waiting_for_capture" else { return nil }
                state.yooPayments[id]?["status"] = "canceled"
                state.yooPayments[id]?["cancellation_details"] = ["party": "merchant", "reason": "canceled_by_merchant"]
                state.requests.append(("v3/payments/cancel", ["id": id]))
                return state.yooPayments[id]
            }
            guard let cancelled else { return Self.json(.badRequest, ["type": "error", "code": "invalid_request"]) }
            return Self.json(.ok, cancelled)
        }
        app.post("v3", "refunds") { [self] req -> Response in
            guard req.headers.first(name: .authorization) == Self.yooAuth, req.headers.first(name: "Idempotence-Key") != nil else {
                return Self.json(.badRequest, ["type": "error"])
            }
            let body = (try? JSONSerialization.jsonObject(with: req.body.data.map { Data(buffer: $0) } ?? Data()) as? [String: Any]) ?? [:]
            state.withLockedValue {
                $0.requests.append(
                    (
                        "v3/refunds",
                        [
                            "payment_id": body["payment_id"] as? String ?? "",
                            "value": (body["amount"] as? [String: String])?["value"] ?? ""
                        ]
                    ))
            }
            return Self.json(.ok, ["id": next("rf"), "status": "succeeded"])
        }
    }

    /// The payer confirmed a two-stage payment on YooKassa's page: held, the card saved.
    func authorizeYooKassaPayment(_ id: String) {
        state.withLockedValue {
            $0.yooPayments[id]?["status"] = "waiting_for_capture"
            $0.yooPayments[id]?["paid"] = true
            $0.yooPayments[id]?["payment_method"] = ["type": "bank_card", "id": "pm-\(id)", "saved": true, "title": "Bank card *4444"]
        }
    }

    /// The payer left YooKassa's page, or the bank refused: cancelled, nothing saved.
    func abandonYooKassaPayment(_ id: String) {
        state.withLockedValue {
            $0.yooPayments[id]?["status"] = "canceled"
            $0.yooPayments[id]?["cancellation_details"] = ["party": "yoo_money", "reason": "expired_on_confirmation"]
        }
    }

    func yooStatus(_ id: String) -> String? { state.withLockedValue { $0.yooPayments[id]?["status"] as? String } }

    /// The payer paid on YooKassa's page (and asked to keep the card).
    func completeYooKassaPayment(_ id: String) {
        state.withLockedValue {
            $0.yooPayments[id]?["status"] = "succeeded"
            $0.yooPayments[id]?["paid"] = true
            $0.yooPayments[id]?["payment_method"] = ["type": "bank_card", "id": "pm-\(id)", "saved": true, "title": "Bank card *4444"]
        }
    }
}

@Suite("Stripe and YooKassa drivers against local stand-ins")
struct GatewayDriverTests {
    static func eur(_ text: String) -> Money { try! MoneyFormat.parse(text, currency: .EUR, language: .en) }

    @Test func stripeCheckoutWebhookOffSessionChargeAndRefund() async throws {
        let standIn = try await GatewayStandIn()
        do {
            let stripe = StripeGateway(
                secretKey: GatewayStandIn.stripeKey, webhookSecret: "whsec_test", apiBase: standIn.base,
                http: VaporGatewayHTTPClient(client: standIn.app.client))
            let request = CheckoutRequest(
                reference: "pay-1", amount: Self.eur("41.00"), description: "Invoice #500001",
                returnURL: "https://my.test/r", cancelURL: "https://my.test/c", saveMethod: true,
                customerEmail: "anna@example.com", customerID: nil, idempotencyKey: "pay-1")
            let redirect = try await stripe.startCheckout(request)
            #expect(redirect.url.hasPrefix("https://checkout.stripe.test/c/pay/cs_test_"))
            #expect(redirect.customerID == "cus_1")
            // A second click: the same session (Stripe replays the idempotent answer).
            #expect(try await stripe.startCheckout(request) == redirect)
            let session = try #require(standIn.requests.first { $0.path == "v1/checkout/sessions" }?.fields)
            #expect(session["line_items[0][price_data][unit_amount]"] == "4100")
            #expect(session["line_items[0][price_data][currency]"] == "eur")
            #expect(session["payment_intent_data[setup_future_usage]"] == "off_session")
            #expect(session["client_reference_id"] == "pay-1")

            // Stripe's checkout.session.completed, signed as Stripe signs.
            let event: [String: Any] = [
                "id": "evt_1", "type": "checkout.session.completed",
                "data": [
                    "object": [
                        "id": redirect.sessionID, "mode": "payment", "payment_status": "paid", "amount_total": 4100, "currency": "eur",
                        "client_reference_id": "pay-1", "payment_intent": "pi_42", "customer": "cus_1"
                    ]
                ]
            ]
            let body = try JSONSerialization.data(withJSONObject: event)
            let now = Date()
            let envelope = try await stripe.verifyWebhook(
                body: body, headers: ["stripe-signature": TimestampedSignature.header(for: body, secret: "whsec_test", at: now)],
                receivedAt: now)
            #expect(
                envelope
                    == WebhookEnvelope(
                        eventID: "evt_1",
                        event: .paymentSucceeded(
                            reference: "pay-1", gatewayPaymentID: "pi_42", amount: Self.eur("41.00"),
                            savedCard: SavedCard(token: "pm_card_visa", customerID: "cus_1", label: "Visa •••• 4242"))))
            await #expect(throws: WebhookRejection.badSignature) {
                try await stripe.verifyWebhook(
                    body: body, headers: ["Stripe-Signature": TimestampedSignature.header(for: body, secret: "whsec_other", at: now)],
                    receivedAt: now)
            }
            await #expect(throws: WebhookRejection.staleTimestamp) {
                try await stripe.verifyWebhook(
                    body: body, headers: ["Stripe-Signature": TimestampedSignature.header(for: body, secret: "whsec_test", at: now)],
                    receivedAt: now.addingTimeInterval(301))
            }

            let charge = OffSessionCharge(
                reference: "pay-2", amount: Self.eur("10.25"), methodToken: "pm_card_visa", customerID: "cus_1",
                description: "VPS", idempotencyKey: "sub-1")
            guard case .succeeded(_, let amount) = try await stripe.charge(charge) else {
                Issue.record("not charged")
                return
            }
            #expect(amount == Self.eur("10.25"))
            var declined = charge
            declined.methodToken = "pm_card_chargeDeclined"
            declined.idempotencyKey = "sub-2"
            #expect(try await stripe.charge(declined) == .declined(reason: "card_declined"))
            #expect(try await stripe.refund(gatewayPaymentID: "pi_42", amount: Self.eur("15.50"), idempotencyKey: "r1").hasPrefix("re_"))
            #expect(standIn.requests.last { $0.path == "v1/refunds" }?.fields["amount"] == "1550")

            let wrongKey = StripeGateway(
                secretKey: "sk_test_wrong", webhookSecret: "x", apiBase: standIn.base,
                http: VaporGatewayHTTPClient(client: standIn.app.client))
            await #expect(throws: GatewayFailure.rejected("Invalid API Key provided")) { try await wrongKey.startCheckout(request) }
        } catch {
            try await standIn.shutdown()
            throw error
        }
        try await standIn.shutdown()
    }

    @Test func yooKassaTrustsOnlyItsOwnRecordOfAPayment() async throws {
        let standIn = try await GatewayStandIn()
        do {
            let yoo = YooKassaGateway(
                shopID: "54321", secretKey: "test_secret", apiBase: standIn.base,
                http: VaporGatewayHTTPClient(client: standIn.app.client))
            let rub = try MoneyFormat.parse("1030.50", currency: .RUB, language: .en)
            let redirect = try await yoo.startCheckout(
                CheckoutRequest(
                    reference: "pay-9", amount: rub, description: "Invoice #500009", returnURL: "https://my.test/r",
                    cancelURL: "https://my.test/c",
                    saveMethod: true, customerEmail: "a@b.c", customerID: nil, idempotencyKey: "pay-9"))
            #expect(redirect.url.hasPrefix("https://yoomoney.test/checkout"))
            // A forged notification while the payment is still pending: nothing to credit.
            let claim: [String: Any] = [
                "type": "notification", "event": "payment.succeeded",
                "object": ["id": redirect.sessionID, "status": "succeeded", "amount": ["value": "999999.00", "currency": "RUB"]]
            ]
            let forged = try await yoo.verifyWebhook(
                body: try JSONSerialization.data(withJSONObject: claim), headers: [:], receivedAt: Date())
            #expect(forged.event == .ignored(type: "payment.succeeded"))
            // Paid at YooKassa: the same notification now credits YooKassa's amount, not the claim's.
            standIn.completeYooKassaPayment(redirect.sessionID)
            let real = try await yoo.verifyWebhook(
                body: try JSONSerialization.data(withJSONObject: claim), headers: [:], receivedAt: Date())
            #expect(
                real
                    == WebhookEnvelope(
                        eventID: "payment.succeeded:\(redirect.sessionID)",
                        event: .paymentSucceeded(
                            reference: "pay-9", gatewayPaymentID: redirect.sessionID, amount: rub,
                            savedCard: SavedCard(token: "pm-\(redirect.sessionID)", customerID: nil, label: "Bank card *4444"))))
            // A notification about a payment YooKassa does not know.
            let unknown: [String: Any] = ["type": "notification", "event": "payment.succeeded", "object": ["id": "nope"]]
            await #expect(throws: WebhookRejection.badSignature) {
                try await yoo.verifyWebhook(body: try JSONSerialization.data(withJSONObject: unknown), headers: [:], receivedAt: Date())
            }
            let charge = OffSessionCharge(
                reference: "pay-10", amount: rub, methodToken: "pm-1", customerID: nil, description: "VPS", idempotencyKey: "s1")
            guard case .succeeded = try await yoo.charge(charge) else {
                Issue.record("not charged")
                return
            }
            var declined = charge
            declined.methodToken = "declined_card"
            #expect(try await yoo.charge(declined) == .declined(reason: "insufficient_funds"))
            _ = try await yoo.refund(
                gatewayPaymentID: redirect.sessionID, amount: try MoneyFormat.parse("30.50", currency: .RUB, language: .en),
                idempotencyKey: "r1")
            #expect(standIn.requests.last { $0.path == "v3/refunds" }?.fields["value"] == "30.50")
        } catch {
            try await standIn.shutdown()
            throw error
        }
        try await standIn.shutdown()
    }

    @Test func yooKassaSavesACardWithAHeldPaymentItCancels() async throws {
        let standIn = try await GatewayStandIn()
        do {
            let yoo = YooKassaGateway(
                shopID: "54321", secretKey: "test_secret", apiBase: standIn.base,
                http: VaporGatewayHTTPClient(client: standIn.app.client))
            #expect(yoo.supportsSetup)
            func notification(_ event: String, _ id: String) throws -> Data {
                try JSONSerialization.data(withJSONObject: [
                    "type": "notification", "event": event, "object": ["id": id, "status": "succeeded"]
                ])
            }
            let setup = try await yoo.startSetup(
                SetupRequest(
                    reference: "saved-1", currency: .RUB, returnURL: "https://my.test/m",
                    cancelURL: "https://my.test/m", customerEmail: "e@x.test", customerID: nil,
                    idempotencyKey: "saved-1"))
            #expect(setup.url.hasPrefix("https://yoomoney.test/checkout"))
            // 1.00 held, never captured, the card to be saved.
            #expect(standIn.requests.last { $0.path == "v3/payments" }?.fields == ["value": "1.00", "capture": "false", "save": "true"])

            // A notification before the payer confirmed: nothing happens, nothing is cancelled.
            let early = try await yoo.verifyWebhook(
                body: try notification("payment.waiting_for_capture", setup.sessionID), headers: [:],
                receivedAt: Date())
            #expect(early.event == .ignored(type: "setup"))
            #expect(standIn.yooStatus(setup.sessionID) == "pending")

            // Confirmed: the driver cancels the hold and reports the saved card.
            standIn.authorizeYooKassaPayment(setup.sessionID)
            let card = SavedCard(token: "pm-\(setup.sessionID)", customerID: nil, label: "Bank card *4444")
            let saved = try await yoo.verifyWebhook(
                body: try notification("payment.waiting_for_capture", setup.sessionID), headers: [:],
                receivedAt: Date())
            #expect(
                saved
                    == WebhookEnvelope(
                        eventID: "setup.succeeded:\(setup.sessionID)",
                        event: .setupSucceeded(reference: "saved-1", card: card)))
            #expect(standIn.yooStatus(setup.sessionID) == "canceled")
            #expect(standIn.requests.filter { $0.path == "v3/payments/cancel" }.count == 1)
            // The "canceled" notification that follows is the same event: a duplicate to the platform.
            let echo = try await yoo.verifyWebhook(
                body: try notification("payment.canceled", setup.sessionID), headers: [:], receivedAt: Date())
            #expect(echo.eventID == saved.eventID)

            // A payer who leaves YooKassa's page: the set-up failed, and no money was ever taken.
            let other = try await yoo.startSetup(
                SetupRequest(
                    reference: "saved-2", currency: .RUB, returnURL: "https://my.test/m",
                    cancelURL: "https://my.test/m", customerEmail: "e@x.test", customerID: nil,
                    idempotencyKey: "saved-2"))
            standIn.abandonYooKassaPayment(other.sessionID)
            let failed = try await yoo.verifyWebhook(
                body: try notification("payment.canceled", other.sessionID), headers: [:], receivedAt: Date())
            #expect(failed == WebhookEnvelope(eventID: "setup.failed:\(other.sessionID)", event: .setupFailed(reference: "saved-2")))
            #expect(standIn.requests.filter { $0.path == "v3/payments/cancel" }.count == 1)
        } catch {
            try await standIn.shutdown()
            throw error
        }
        try await standIn.shutdown()
    }
}

@Suite("The sandbox gateway's webhook delivery")
struct SandboxDeliveryTests {
    static let quick: [Duration] = [.zero, .milliseconds(1), .milliseconds(1)]

    @Test func aFailedDeliveryIsRetriedAndAnAnswerEndsIt() async throws {
        var attempts: [Int] = []
        // No answer, then a 500, then accepted: three attempts.
        let accepted = try await SandboxGateway.deliver(pauses: Self.quick) { attempt in
            attempts.append(attempt)
            return [1: nil, 2: 500, 3: 200][attempt] ?? nil
        }
        #expect(accepted == 200)
        #expect(attempts == [1, 2, 3])

        // A refusal (400: a bad signature) is an answer: retrying would not change it.
        attempts = []
        let refused = try await SandboxGateway.deliver(pauses: Self.quick) { attempt in
            attempts.append(attempt)
            return 400
        }
        #expect(refused == 400)
        #expect(attempts == [1])

        // A platform that keeps failing is tried three times, and the last status is reported.
        attempts = []
        let failing = try await SandboxGateway.deliver(pauses: Self.quick) { attempt in
            attempts.append(attempt)
            return 503
        }
        #expect(failing == 503)
        #expect(attempts == [1, 2, 3])
    }
}
