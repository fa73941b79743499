import BillingDomain
import Foundation
import Payments
import PaymentsTestSupport
import Testing

@Suite("Test doubles fail by default")
struct StandInGatewayTests {
    @Test func aCallTheTestDidNotScriptFailsTheTestAndOnlyScriptedOnesAnswer() async throws {
        let gateway = StandInGateway(name: "stand-in", refund: { _, _, _ in "re_1" })
        let charge = OffSessionCharge(
            reference: "p1", amount: Money(minor: 1_000, .EUR), methodToken: "tok", customerID: nil, description: "Renewal",
            idempotencyKey: "k1")
        try await withKnownIssue {
            _ = try await gateway.charge(charge)
        } matching: { issue in
            // The issue the stand-in records, and the error it throws so the caller stops too.
            String(describing: issue).contains("unexpected call to the stand-in gateway's charge")
                || (issue.error as? StandInGateway.UnexpectedCall)?.operation == "charge"
        }
        #expect(try await gateway.refund(gatewayPaymentID: "pay_1", amount: Money(minor: 500, .EUR), idempotencyKey: "r1") == "re_1")
        #expect(gateway.calls("charge") == 1)
        #expect(gateway.calls("refund") == 1)
        #expect(gateway.calls("checkout") == 0)
    }
}
