import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Payments
import PaymentsTestSupport
import Testing

@Suite("Payments: amounts, webhooks, refunds")
struct PaymentFlowTests {
    /// Payments take the caller: invoicing and paying need finance.pay, reading finance.view (or
    /// finance.pay, for the result of one's own payment), refunds a staff member who manages
    /// payments; nobody reaches another account's payment.
    @Test func paymentsAskForTheRightAndReachOnlyTheAccountsOwn() async throws {
        try await TestEngine.run { app, _ in
            let method = try await app.cardMethod()
            let anna = try await app.account(try await app.signUpClient(country: "DE", currency: .EUR).accountID)
            let viewer = Caller.user(UUID(), of: anna, rights: [.viewFinance])
            let payer = Caller.user(UUID(), of: anna, rights: [.pay])
            let orderer = Caller.user(UUID(), of: anna, rights: [.orderServices])
            let flow = PaymentFlow(context: app.engine)
            let request = PaymentRequest(methodID: method, amount: Money.eur("25.00"), idempotencyKey: "k1")
            await #expect(throws: PlainRefusal.forbidden) { try await flow.create(request, caller: viewer) }
            await #expect(throws: PlainRefusal.forbidden) {
                try await flow.quote(methodID: method, amount: Money.eur("25.00"), caller: viewer)
            }
            await #expect(throws: PlainRefusal.forbidden) { try await flow.payers(caller: orderer) }
            #expect(try await PaymentRecord.query(on: app.db).count() == 0)
            let payment = try await flow.create(request, caller: payer)
            #expect(payment.total == Money.eur("25.00"))
            #expect(try await flow.find(payment.id, caller: viewer)?.id == payment.id)
            #expect(try await flow.find(payment.id, caller: payer)?.id == payment.id)
            await #expect(throws: PlainRefusal.forbidden) { try await flow.find(payment.id, caller: orderer) }
            await #expect(throws: PlainRefusal.forbidden) { try await flow.delete(paymentID: payment.id, caller: viewer) }
            #expect(try await flow.list(caller: viewer, filter: .all, page: PageRequest(number: 1)).items.map(\.id) == [payment.id])
            // Another account's owner: not found, nothing changed.
            let boris = try await app.account(try await app.signUpClient(email: "boris@example.com", country: "DE").accountID)
            #expect(try await flow.find(payment.id, caller: .testClient(boris)) == nil)
            await #expect(throws: PaymentError.paymentNotFound) { try await flow.delete(paymentID: payment.id, caller: .testClient(boris)) }
            #expect(try await flow.payment(payment.id)?.status == .new)
            // Refunds and a client's list are for staff who manage payments.
            await #expect(throws: PlainRefusal.forbidden) {
                try await flow.refund(paymentID: payment.id, amount: Money.eur("1.00"), reason: "r", caller: .testClient(anna), key: "r1")
            }
            await #expect(throws: PlainRefusal.forbidden) {
                try await flow.refund(
                    paymentID: payment.id, amount: Money.eur("1.00"), reason: "r", caller: .staff(UUID(), role: .support), key: "r2")
            }
            await #expect(throws: PlainRefusal.forbidden) {
                try await flow.list(of: anna, filter: .all, page: PageRequest(number: 1), caller: .staff(UUID(), role: .support))
            }
            let accountant = Caller.staff(UUID(), role: .accountant)
            #expect(try await flow.list(of: anna, filter: .all, page: PageRequest(number: 1), caller: accountant).total == 1)
            try await flow.delete(paymentID: payment.id, caller: payer)
            #expect(try await flow.payment(payment.id)?.status == .cancelled)
            #expect(try await RefundRecord.query(on: app.db).count() == 0)
        }
    }

    @Test func commissionAndCashbackAreExactToTheCent() throws {
        let terms = PaymentTerms(
            commissionPercent: Percentage(basisPoints: 250), commissionFixed: Money.eur("0.30"),
            minimum: Money.eur("5.00"), maximum: Money.eur("1000.00"), cashbackPercent: Percentage(basisPoints: 100))
        let hundred = try terms.amounts(for: Money.eur("100.00"))
        #expect(hundred.commission == Money.eur("2.80"))
        #expect(hundred.total == Money.eur("102.80"))
        #expect(hundred.cashback == Money.eur("1.00"))
        // 33.33 × 2.5 % = 0.83325 → 0.83, + 0.30; cashback 0.3333 → 0.33.
        let odd = try terms.amounts(for: Money.eur("33.33"))
        #expect(odd.commission == Money.eur("1.13"))
        #expect(odd.total == Money.eur("34.46"))
        #expect(odd.cashback == Money.eur("0.33"))
        // 0.50 × 2.5 % = 0.0125 → 0.01 (half-up only from 0.005).
        #expect(
            PaymentTerms(commissionPercent: Percentage(basisPoints: 250), commissionFixed: .zero(.EUR)).commissionPercent.of(
                Money.eur("0.50")) == Money.eur("0.01"))
        #expect(throws: PaymentTermsError.belowMinimum(Money.eur("5.00"))) { try terms.amounts(for: Money.eur("4.99")) }
        #expect(throws: PaymentTermsError.aboveMaximum(Money.eur("1000.00"))) { try terms.amounts(for: Money.eur("1000.01")) }
        #expect(throws: PaymentTermsError.notPositive) { try terms.amounts(for: Money.eur("0")) }
        #expect(Percentage(text: "2,5") == Percentage(basisPoints: 250))
        #expect(Percentage(text: "101") == nil)
        #expect(Percentage(text: "1.234") == nil)
    }

    @Test func aTopUpThroughTheSandboxCreditsAmountAndCashbackAndRefundsAreExact() async throws {
        try await TestEngine.run { app, _ in
            let method = try await app.cardMethod(percent: 250, fixed: "0.30", cashback: 100)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            let flow = PaymentFlow(context: app.engine)
            let payment = try await flow.create(
                PaymentRequest(methodID: method, amount: Money.eur("100.00"), idempotencyKey: "k1"), caller: .testClient(account))
            #expect(payment.status == .new)
            #expect(payment.total == Money.eur("102.80"))
            let url = try #require(try await flow.start(paymentID: payment.id, returnURL: "r", cancelURL: "c"))
            #expect(url.hasPrefix("http://billing.test/sandbox-gateway/pay/"))
            #expect(try await PaymentRecord.find(payment.id, on: app.db)?.status == .beingPaid)

            let (body, headers) = Sandbox.paid(app, redirect: url)
            let outcome = try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: body, headers: headers)
            #expect(outcome == .credited)
            // 100.00 and 1.00 of cashback, credited as its own payment.
            #expect(try await app.balance(client.accountID) == Money.eur("101.00"))
            let payments = try await PaymentRecord.query(on: app.db).sort(\.$number).all()
            #expect(payments.map(\.purpose) == [.topUp, .cashback])
            #expect(payments.map(\.status) == [.credited, .credited])
            #expect(payments[1].amount == Money.eur("1.00").units)
            #expect(try await app.engine.ledger.total(of: .gatewayClearing("sandbox"), in: .EUR) == Money.eur("-102.80"))
            #expect(try await app.engine.ledger.total(of: .paymentCommission, in: .EUR) == Money.eur("2.80"))
            #expect(try await app.engine.ledger.total(of: .cashback, in: .EUR) == Money.eur("-1.00"))

            // Partial refund, a refund above what is left, then the rest.
            try await flow.refund(paymentID: payment.id, amount: Money.eur("40.00"), reason: "partly unused", caller: .testStaff, key: "r1")
            try await flow.refund(paymentID: payment.id, amount: Money.eur("40.00"), reason: "partly unused", caller: .testStaff, key: "r1")
            // 40 % of the payment goes back, and with it 40 % of its cashback (0.40).
            #expect(try await app.balance(client.accountID) == Money.eur("60.60"))
            await #expect(throws: PaymentError.refundTooLarge(Money.eur("60.00"))) {
                try await flow.refund(paymentID: payment.id, amount: Money.eur("60.01"), reason: "x", caller: .testStaff, key: "r2")
            }
            try await flow.refund(paymentID: payment.id, amount: Money.eur("60.00"), reason: "closing", caller: .testStaff, key: "r3")
            let refunded = try #require(try await PaymentRecord.find(payment.id, on: app.db))
            #expect(refunded.status == .refunded)
            #expect(refunded.refunded == Money.eur("100.00").units)
            // The whole payment is back, and the whole cashback with it: nothing is left.
            #expect(try await app.balance(client.accountID) == Money.eur("0.00"))
            #expect(try await app.engine.ledger.total(of: .gatewayClearing("sandbox"), in: .EUR) == Money.eur("-2.80"))
            #expect(try await app.engine.ledger.total(of: .cashback, in: .EUR) == Money.eur("0.00"))
            let reward = try #require(try await PaymentRecord.query(on: app.db).filter(\.$purpose == .cashback).first())
            #expect(reward.status == .refunded)
            #expect(reward.refunded == Money.eur("1.00").units)
            #expect(try await RefundRecord.query(on: app.db).count() == 2)
        }
    }

    @Test func forgedAndStaleSignaturesAreRefusedAndChangeNothing() async throws {
        try await TestEngine.run { app, clock in
            let method = try await app.cardMethod()
            let client = try await app.signUpClient(currency: .EUR)
            let flow = PaymentFlow(context: app.engine)
            let payment = try await flow.create(
                PaymentRequest(methodID: method, amount: Money.eur("50.00"), idempotencyKey: "k"),
                caller: .testClient(try await app.account(client.accountID)))
            let url = try #require(try await flow.start(paymentID: payment.id, returnURL: "r", cancelURL: "c"))
            let (body, headers) = Sandbox.paid(app, redirect: url)
            let webhooks = GatewayWebhooks(context: app.engine)

            // Signed with another secret.
            let forged = SandboxGateway(secret: "not-the-secret", baseURL: "http://billing.test")
            let session = forged.session(fromToken: String(url.split(separator: "/").last!))
            #expect(session == nil)
            let forgedHeader = TimestampedSignature.header(for: body, secret: "not-the-secret", at: clock.now)
            await #expect(throws: WebhookRejection.badSignature) {
                try await webhooks.receive(gateway: "sandbox", body: body, headers: ["Sandbox-Signature": forgedHeader])
            }
            // The right signature on a tampered body (a larger amount).
            let tampered = Data(
                String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\"amount\":5000", with: "\"amount\":500000").utf8)
            #expect(tampered != body)
            await #expect(throws: WebhookRejection.badSignature) {
                try await webhooks.receive(gateway: "sandbox", body: tampered, headers: headers)
            }
            await #expect(throws: WebhookRejection.missingSignature) {
                try await webhooks.receive(gateway: "sandbox", body: body, headers: [:])
            }
            // The genuine delivery replayed ten minutes later.
            clock.advance(by: 600)
            await #expect(throws: WebhookRejection.staleTimestamp) {
                try await webhooks.receive(gateway: "sandbox", body: body, headers: headers)
            }
            #expect(try await app.balance(client.accountID) == .zero(.EUR))
            #expect(try await GatewayEventRecord.query(on: app.db).count() == 0)
            #expect(try await PaymentRecord.find(payment.id, on: app.db)?.status == .beingPaid)
        }
    }

    @Test func repeatedAndOutOfOrderEventsCreditOnce() async throws {
        try await TestEngine.run { app, _ in
            let method = try await app.cardMethod()
            let client = try await app.signUpClient(currency: .EUR)
            let flow = PaymentFlow(context: app.engine)
            let payment = try await flow.create(
                PaymentRequest(methodID: method, amount: Money.eur("20.00"), idempotencyKey: "k"),
                caller: .testClient(try await app.account(client.accountID)))
            let url = try #require(try await flow.start(paymentID: payment.id, returnURL: "r", cancelURL: "c"))
            // The payer abandoned the page first (cancelled), then the gateway reports the money.
            try await flow.cancel(paymentID: payment.id, reason: "abandoned")
            let (body, headers) = Sandbox.paid(app, redirect: url)
            let webhooks = GatewayWebhooks(context: app.engine)
            #expect(try await webhooks.receive(gateway: "sandbox", body: body, headers: headers) == .credited)
            #expect(try await webhooks.receive(gateway: "sandbox", body: body, headers: headers) == .duplicate)
            // A failure event arriving late does not undo the credit.
            let gateway = Sandbox.gateway(app)
            let session = gateway.session(fromToken: String(url.split(separator: "/").last!))!
            let (failed, signature) = gateway.webhook(for: session, outcome: .fail, at: app.engine.clock.now)
            #expect(try await webhooks.receive(gateway: "sandbox", body: failed, headers: ["Sandbox-Signature": signature]) == .cancelled)
            #expect(try await PaymentRecord.find(payment.id, on: app.db)?.status == .credited)
            #expect(try await app.balance(client.accountID) == Money.eur("20.00"))
            #expect(try await LedgerTransactionRecord.query(on: app.db).filter(\.$kind == .payment).count() == 1)
        }
    }

    @Test func aHundredConcurrentDeliveriesAndFiftyConcurrentClicksEndInOneCredit() async throws {
        try await TestEngine.run { app, _ in
            let method = try await app.cardMethod(percent: 250, cashback: 100)
            let client = try await app.signUpClient(currency: .EUR)
            let flow = PaymentFlow(context: app.engine)
            let payment = try await flow.create(
                PaymentRequest(methodID: method, amount: Money.eur("80.00"), idempotencyKey: "k"),
                caller: .testClient(try await app.account(client.accountID)))
            // Fifty "pay" clicks at once: one session at the gateway.
            let urls = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<50 { group.addTask { try await flow.start(paymentID: payment.id, returnURL: "r", cancelURL: "c") } }
                var all = Set<String?>()
                for try await url in group { all.insert(url) }
                return all
            }
            #expect(urls.count == 1)
            let (body, headers) = Sandbox.paid(app, redirect: urls.first!!)
            let webhooks = GatewayWebhooks(context: app.engine)
            let outcomes = try await withThrowingTaskGroup(of: GatewayWebhooks.Outcome.self) { group in
                for _ in 0..<100 { group.addTask { try await webhooks.receive(gateway: "sandbox", body: body, headers: headers) } }
                var all: [GatewayWebhooks.Outcome] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.filter { $0 == .credited }.count == 1)
            #expect(outcomes.filter { $0 == .duplicate || $0 == .alreadyCredited }.count == 99)
            #expect(try await app.balance(client.accountID) == Money.eur("80.80"))
            #expect(try await LedgerTransactionRecord.query(on: app.db).filter(\.$kind == .payment).count() == 1)
            #expect(try await LedgerTransactionRecord.query(on: app.db).filter(\.$kind == .cashback).count() == 1)
            #expect(try await GatewayEventRecord.query(on: app.db).count() == 1)
        }
    }

    @Test func anOrderWithAFixedMethodIsPaidThroughItAndNoOtherWay() async throws {
        try await TestEngine.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let card = try await app.cardMethod()
            let other = try await app.cardMethod(percent: 100)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web"), caller: .testClient(account))
            let order = try await Orders(context: app.engine).checkout(
                caller: .testClient(account), payFromBalance: false,
                paymentMethod: card.uuidString.lowercased())
            let flow = PaymentFlow(context: app.engine)
            await #expect(throws: PaymentError.orderMethodFixed) {
                try await flow.create(
                    PaymentRequest(methodID: other, amount: nil, orderID: order.id, idempotencyKey: "o2"), caller: .testClient(account))
            }
            let payment = try await flow.create(
                PaymentRequest(methodID: card, amount: Money.eur("1.00"), orderID: order.id, idempotencyKey: "o1"),
                caller: .testClient(account))
            #expect(payment.amount == Money.eur("10.00")) // the order's frozen total, not the request's
            let url = try #require(try await flow.start(paymentID: payment.id, returnURL: "r", cancelURL: "c"))
            let (body, headers) = Sandbox.paid(app, redirect: url)
            #expect(try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: body, headers: headers) == .credited)
            #expect(try await OrderRecord.find(order.id, on: app.db)?.status == .paid)
            // The webhook committed the money and the "open" job; the module opens it after.
            #expect(try await ServiceRecord.query(on: app.db).first()?.status == .processing)
            try await app.runJobs()
            #expect(try await ServiceRecord.query(on: app.db).first()?.status == .active)
            #expect(try await app.balance(client.accountID) == .zero(.EUR))
        }
    }

    @Test func bankTransfersAreConfirmedByStaffAndPayLinksOpenOneInvoice() async throws {
        try await TestEngine.run { app, clock in
            let bank = try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(
                    kind: .bankTransfer, name: "Bank", currency: .EUR, minimum: Money.eur("10.00"), payerKinds: [.company]),
                caller: .testStaff)
            let client = try await app.signUpClient(currency: .EUR)
            let account = try await app.account(client.accountID)
            let flow = PaymentFlow(context: app.engine)
            await #expect(throws: PaymentError.payerKindNotAllowed) {
                try await flow.create(
                    PaymentRequest(methodID: bank, amount: Money.eur("30.00"), idempotencyKey: "b0"), caller: .testClient(account))
            }
            await #expect(throws: PaymentError.terms(.belowMinimum(Money.eur("10.00")))) {
                try await flow.create(
                    PaymentRequest(
                        methodID: bank, amount: Money.eur("9.99"), payer: .new(kind: .company, name: "Anna LLC"),
                        idempotencyKey: "b1"), caller: .testClient(account))
            }
            let payment = try await flow.create(
                PaymentRequest(
                    methodID: bank, amount: Money.eur("30.00"), payer: .new(kind: .company, name: "Anna LLC"),
                    idempotencyKey: "b2"), caller: .testClient(account))
            #expect(try await flow.start(paymentID: payment.id, returnURL: "r", cancelURL: "c") == nil)
            try await flow.confirmBankTransfer(paymentID: payment.id, receipt: .init(reference: "TRX-1"), caller: .testStaff)
            await #expect(throws: PaymentError.notPayable) {
                try await flow.confirmBankTransfer(paymentID: payment.id, receipt: .init(reference: "TRX-1"), caller: .testStaff)
            }
            #expect(try await app.balance(client.accountID) == Money.eur("30.00"))
            #expect(try await app.engine.ledger.total(of: .gatewayClearing("bank"), in: .EUR) == Money.eur("-30.00"))

            let token = PayLink.token(paymentID: payment.id, expires: clock.now.addingTimeInterval(3600), key: "key")
            #expect(PayLink.paymentID(from: token, key: "key", now: clock.now) == payment.id)
            #expect(PayLink.paymentID(from: token, key: "other", now: clock.now) == nil)
            #expect(
                PayLink.paymentID(
                    from: token.replacingOccurrences(of: payment.id.uuidString.lowercased(), with: UUID().uuidString.lowercased()),
                    key: "key", now: clock.now) == nil)
            #expect(PayLink.paymentID(from: token, key: "key", now: clock.now.addingTimeInterval(3601)) == nil)
        }
    }

    @Test func concurrentRefundsNeverSendBackMoreThanWasPaidAndAGatewayRefusalReleasesTheAmount() async throws {
        try await TestEngine.run { app, _ in
            let method = try await app.cardMethod()
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            let flow = PaymentFlow(context: app.engine)
            let payment = try await flow.create(
                PaymentRequest(methodID: method, amount: Money.eur("100.00"), idempotencyKey: "k"), caller: .testClient(account))
            let url = try #require(try await flow.start(paymentID: payment.id, returnURL: "r", cancelURL: "c"))
            let (body, headers) = Sandbox.paid(app, redirect: url)
            #expect(try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: body, headers: headers) == .credited)

            // The gateway refuses: nothing is reserved, recorded or posted.
            // (as a gateway does for a charge it has already refunded)
            let refusing = StandInGateway(name: "sandbox", refund: { _, _, _ in throw GatewayFailure.rejected("charge_already_refunded") })
            let refusingFlow = PaymentFlow(context: app.engine.replacingGateway(refusing))
            await #expect(throws: PaymentError.gatewayFailed(String(describing: GatewayFailure.rejected("charge_already_refunded")))) {
                try await refusingFlow.refund(paymentID: payment.id, amount: Money.eur("30.00"), reason: "x", caller: .testStaff, key: "r0")
            }
            #expect(refusing.calls("refund") == 1)
            #expect(try await PaymentRecord.find(payment.id, on: app.db)?.refunded == 0)
            #expect(try await RefundRecord.query(on: app.db).count() == 0)
            #expect(try await app.balance(client.accountID) == Money.eur("100.00"))

            // Two staff members refund 60.00 each at the same moment: one goes through, at the
            // gateway and in the ledger; the other is refused before the gateway is asked.
            let sandbox = Sandbox.gateway(app)
            let counting = StandInGateway(
                name: "sandbox",
                refund: { id, amount, key in
                    try await Task.sleep(for: .milliseconds(20))
                    return try await sandbox.refund(gatewayPaymentID: id, amount: amount, idempotencyKey: key)
                })
            let countingFlow = PaymentFlow(context: app.engine.replacingGateway(counting))
            let succeeded = await withTaskGroup(of: Bool.self) { group in
                for key in ["ra", "rb"] {
                    group.addTask {
                        (try? await countingFlow.refund(
                            paymentID: payment.id, amount: Money.eur("60.00"), reason: key, caller: .staff(UUID(), role: .accountant),
                            key: key)) != nil
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(succeeded == 1)
            #expect(counting.calls("refund") == 1)
            #expect(try await RefundRecord.query(on: app.db).count() == 1)
            #expect(try await PaymentRecord.find(payment.id, on: app.db)?.refunded == Money.eur("60.00").units)
            #expect(try await app.balance(client.accountID) == Money.eur("40.00"))
            #expect(try await app.engine.ledger.total(of: .gatewayClearing("sandbox"), in: .EUR) == Money.eur("-40.00"))
        }
    }
}
