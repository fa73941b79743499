import BillingDemo
import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Testing

/// `billing demo --scale N` fills a database for measuring at size; what it makes must look like a
/// provider's data and obey the ledger's rules like everything else.
@Suite("Scale demo")
struct ScaleDemoTests {
    @Test func aScaledDemoHasTheShapeItPromisesAndBalancesThatMatchTheLedger() async throws {
        try await TestEngine.run { app, _ in
            let progress = Recorder()
            try await ScaleDemo(context: app.engine).fill(accounts: 30, batchSize: 12) { progress.record($0.done) }
            #expect(progress.values == [12, 24, 30])
            // The demo provider's own client, and thirty more.
            #expect(try await AccountRecord.query(on: app.db).count() == 31)
            let scaled = try await UserRecord.query(on: app.db).filter(\.$email ~~ "@scale.example").all()
            #expect(scaled.count == 30)
            let ids = scaled.map(\.accountID)
            // One to three services each (index % 3 + 1 for 30 accounts: 10 × 1 + 10 × 2 + 10 × 3),
            // one in twenty expired: (index + n) % 20 == 19 holds for index 19's first and index 17's third.
            let services = try await ServiceRecord.query(on: app.db).filter(\.$accountID ~~ ids).all()
            #expect(services.count == 60)
            #expect(services.filter { $0.status == .expired }.count == 2)
            // Every renewal charge is paid by its own ledger transaction.
            let expenses = try await ExpenseRecord.query(on: app.db).filter(\.$accountID ~~ ids).all()
            #expect(!expenses.isEmpty)
            #expect(expenses.allSatisfy { $0.ledgerTransactionID != nil && $0.paidAmount == $0.amount })
            // Accounts 6, 16, 26 (index % 10 == 5) left an order unpaid.
            #expect(try await OrderRecord.query(on: app.db).filter(\.$accountID ~~ ids).filter(\.$status == .pending).count() == 3)
            // About twenty ledger entries an account.
            let entries = try await LedgerEntryRecord.query(on: app.db).filter(\.$clientAccountID ~~ ids).count()
            #expect((5 * 30)...(8 * 30) ~= entries)
            // A scaled client logs in with the published password.
            let login = try await Authentication(context: app.engine).login(
                realm: .client, email: "client1@scale.example", password: ScaleDemo.scaleDemoPassword, ip: "127.0.0.1")
            #expect(login.id == scaled.first { $0.email == "client1@scale.example" }?.id)
            #expect(try await app.engine.ledger.balanceMismatches() == [])
            // A second fill is refused: it only fills an empty database.
            await #expect(throws: ScaleDemo.Failure.self) { try await ScaleDemo(context: app.engine).fill(accounts: 1) { _ in } }
        }
    }
}

/// Collects progress reports from a `@Sendable` callback.
final class Recorder: @unchecked Sendable {
    private var stored: [Int] = []
    func record(_ value: Int) { stored.append(value) }
    var values: [Int] { stored }
}
