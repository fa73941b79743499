import BillingDomain
import BillingServer
import Foundation
import Payments
import PaymentsTestSupport
import Testing
import Vapor

@Suite("Stripe and YooKassa drivers against local stand-ins")
struct GatewayDriverTests {
    static func eur(_ text: String) -> Money { try! MoneyFormat.parse(text, currency: .EUR, language: .en) }

    @Test func stripeCheckoutWebhookOffSessionChargeAndRefund() async throws {
        let standIn = try await GatewayStandIn()
        do {
            let stripe = StripeGateway(
                secretKey: GatewayStandIn.stripeKey, webhookSecret: "whsec_test", apiBase: standIn.base,
                http: VaporHTTPClient(client: standIn.app.client))
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
                http: VaporHTTPClient(client: standIn.app.client))
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
                http: VaporHTTPClient(client: standIn.app.client))
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
                http: VaporHTTPClient(client: standIn.app.client))
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
