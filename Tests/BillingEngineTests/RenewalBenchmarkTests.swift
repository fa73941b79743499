import BillingDemo
import BillingDomain
import BillingEngine
import EngineTestSupport
import Testing

/// `billing bench renewals` compares the engine with a raw ceiling; the comparison is honest only
/// if the ceiling writes what the engine writes, no less.
@Suite("Renewal benchmark")
struct RenewalBenchmarkTests {
    @Test func theCeilingWritesTheSameRowsAndAmountsAsTheEnginesPass() async throws {
        var engine: [String: Int64] = [:]
        var ceiling: [String: Int64] = [:]
        try await TestEngine.run { app, _ in
            let result = try await RenewalBenchmark(context: app.engine).run(services: 45, chunkSize: 20)
            #expect(result.summary.renewed == 45)
            engine = try await RenewalBenchmark(context: app.engine).written()
        }
        try await TestEngine.run { app, _ in
            _ = try await RenewalBenchmark(context: app.engine).ceiling(services: 45, chunkSize: 20)
            ceiling = try await RenewalBenchmark(context: app.engine).written()
        }
        // 45 services of 5 clients (the setup's opening balances are one transaction of two
        // entries per client): per service one transaction of three entries, an expense, an
        // event, a notice; every service paid one more period and none due any more.
        #expect(engine["ledger_transactions"] == 50)
        #expect(engine["ledger_entries"] == 145)
        #expect(engine["expenses"] == 45)
        #expect(engine["service_events"] == 45)
        #expect(engine["email_outbox"] == 45)
        #expect(engine["services.due"] == 0)
        #expect(engine["services.periods_paid"] == 90)
        // 10.00 a month, VAT included: 45 × 10.00 charged from 5 × 1 000.00 of opening balances.
        #expect(engine["expenses.sum"] == 4_500_000)
        #expect(engine["client_balances.sum"] == 45_500_000)
        #expect(ceiling == engine)
    }
}
