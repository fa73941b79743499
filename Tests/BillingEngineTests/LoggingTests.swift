import BillingDomain
import BillingEngine
import EngineTestSupport
import Foundation
import Logging
import Testing

@Suite("Logging: what an operator reads")
struct LoggingTests {
    @Test func paymentsRefundsOrdersAndTheDailyPassLogUnderTheirComponentWithTheRequestIDAndNoSecret() async throws {
        try await TestEngine.run { app, _ in
            let captured = CapturedLog()
            let context = app.engine.logging(to: captured.logger(requestID: "req-42"))
            let method = try await app.cardMethod(percent: 250, fixed: "0.30", cashback: 0)
            let client = try await app.signUpClient(password: "a very secret passphrase", country: "DE", currency: .EUR)
            let account = try await app.account(client.accountID)
            let flow = PaymentFlow(context: context)
            let payment = try await flow.create(
                PaymentRequest(methodID: method, amount: Money.eur("100.00"), idempotencyKey: "k1"), caller: .testClient(account))
            let url = try #require(try await flow.start(paymentID: payment.id, returnURL: "r", cancelURL: "c"))
            let (body, headers) = Sandbox.paid(app, redirect: url)
            #expect(try await GatewayWebhooks(context: context).receive(gateway: "sandbox", body: body, headers: headers) == .credited)
            try await flow.refund(paymentID: payment.id, amount: Money.eur("40.00"), reason: "unused", caller: .testStaff, key: "r1")
            let catalog = try await CatalogFixture.make(app)
            try await Cart(context: context).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web1"), caller: .testClient(account))
            try await Orders(context: context).checkout(
                caller: .testClient(account, as: .client(userID: client.userID)), payFromBalance: true)
            try await context.runJobs()
            _ = try await JobRunner(context: context).runDue()

            let lines = captured.all
            func component(_ name: LogComponent) -> [CapturedLog.Line] { lines.filter { $0.metadata["component"] == name.rawValue } }
            let number = String(payment.number)
            #expect(component(.payments).map(\.message).contains("payment created"))
            let credited = try #require(component(.payments).first { $0.message == "payment credited" })
            #expect(credited.metadata["payment"] == number)
            #expect(credited.metadata["received"] == "102.80 EUR")
            #expect(credited.metadata["to_balance"] == "100.00 EUR")
            #expect(credited.metadata["by"] == "gateway:sandbox")
            let refunded = try #require(component(.payments).first { $0.message == "payment refunded" })
            #expect(refunded.metadata["amount"] == "40.00 EUR")
            #expect(component(.webhooks).isEmpty == false)
            let order = try #require(component(.orders).first { $0.message == "order paid from the balance" })
            #expect(order.metadata["by"] == Initiator.client(userID: client.userID).stored)
            #expect(component(.orders).contains { $0.message == "service opened" })
            #expect(component(.jobs).map(\.message) == ["job started", "job finished"])
            #expect(component(.renewals).first?.message == "billing pass done")
            // Every line of the request carries its id; none carries a secret.
            #expect(lines.count > 8)
            #expect(lines.allSatisfy { $0.metadata["request-id"] == "req-42" && $0.metadata["component"] != nil })
            let everything = lines.map(\.text).joined(separator: "\n")
            #expect(!everything.contains("a very secret passphrase"))
            #expect(!everything.contains(try #require(headers["Sandbox-Signature"])))
        }
    }
}
