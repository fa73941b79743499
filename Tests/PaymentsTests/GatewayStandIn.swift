import BillingDomain
import Foundation
import NIOConcurrencyHelpers
import Payments
import Testing
import Vapor

/// Local stand-ins for Stripe and YooKassa, served over real HTTP on a free port. They check the
/// requests the way the real services do (authentication, idempotency keys, required fields,
/// amounts in the right units) and answer with the documented shapes, so the drivers are tested
/// end to end without reaching the internet.
public final class GatewayStandIn: @unchecked Sendable {
    public let app: Application
    public private(set) var port = 0
    private let state = NIOLockedValueBox(State())

    struct State {
        var idempotent: [String: String] = [:]
        var requests: [(path: String, fields: [String: String])] = []
        var yooPayments: [String: [String: Any]] = [:]
        var counter = 0
    }

    public var requests: [(path: String, fields: [String: String])] { state.withLockedValue { $0.requests } }

    public static let stripeKey = "sk_test_standin"
    public static let yooAuth = "Basic " + Data("54321:test_secret".utf8).base64EncodedString()

    public init() async throws {
        app = try await Application.make(.testing)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        routes()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        port = app.http.server.shared.localAddress?.port ?? 0
    }

    public func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    public var base: String { "http://127.0.0.1:\(port)" }

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
    public func authorizeYooKassaPayment(_ id: String) {
        state.withLockedValue {
            $0.yooPayments[id]?["status"] = "waiting_for_capture"
            $0.yooPayments[id]?["paid"] = true
            $0.yooPayments[id]?["payment_method"] = ["type": "bank_card", "id": "pm-\(id)", "saved": true, "title": "Bank card *4444"]
        }
    }

    /// The payer left YooKassa's page, or the bank refused: cancelled, nothing saved.
    public func abandonYooKassaPayment(_ id: String) {
        state.withLockedValue {
            $0.yooPayments[id]?["status"] = "canceled"
            $0.yooPayments[id]?["cancellation_details"] = ["party": "yoo_money", "reason": "expired_on_confirmation"]
        }
    }

    public func yooStatus(_ id: String) -> String? { state.withLockedValue { $0.yooPayments[id]?["status"] as? String } }

    /// The payer paid on YooKassa's page (and asked to keep the card).
    public func completeYooKassaPayment(_ id: String) {
        state.withLockedValue {
            $0.yooPayments[id]?["status"] = "succeeded"
            $0.yooPayments[id]?["paid"] = true
            $0.yooPayments[id]?["payment_method"] = ["type": "bank_card", "id": "pm-\(id)", "saved": true, "title": "Bank card *4444"]
        }
    }
}
