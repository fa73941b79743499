import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import FluentSQL
import Foundation
import Provisioning
import ProvisioningTestSupport
import Testing

@Suite("The job queue: provisioning after the money, exactly once, retried on a ladder")
struct JobQueueTests {
    /// A client with 50.00 € who pays a monthly VPS from the balance, through `context`.
    static func paidService(_ app: TestEngine, _ context: EngineContext) async throws -> ServiceRecord {
        let catalog = try await CatalogFixture.make(app)
        let client = try await app.signUpClient(country: "UA", currency: .EUR)
        try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
        return try await app.orderPaid(catalog.monthly, domain: "web", for: client.accountID, through: context)
    }

    /// The queue's jobs but its e-mails (the "order paid" notice the payment queues beside them).
    static func jobs(_ app: TestEngine) async throws -> [JobRecord] {
        try await JobRecord.query(on: app.db).filter(\.$kind != .mailSend).sort(\.$createdAt).sort(\.$id).all()
    }

    @Test func aWorkerThatDiesAfterThePaymentLeavesTheOpeningToTheNextOneAndTheModuleIsAskedOnce() async throws {
        try await TestEngine.run { app, clock in
            let module = StandInModule()
            let context = app.engine.replacingModules(ProcessingModules([module]))
            let service = try await Self.paidService(app, context)
            // The payment committed the money, the Processing status and the job together.
            #expect(service.status == .processing)
            #expect(service.operation == .opening)
            #expect(try await app.balance(service.accountID) == Money.eur("40.00"))
            let queued = try await Self.jobs(app)
            #expect(queued.map(\.kind) == [.serviceOpen])
            #expect(queued.map(\.idempotencyKey) == ["open:" + service.id!.uuidString.lowercased()])
            #expect(queued.map(\.status) == [.queued])
            #expect(module.calls.isEmpty)

            // A worker claims it and dies before it calls the module (kill -9 of `serve`): its
            // lease holds the job for five minutes, then another worker takes it over.
            let sql = app.db.sql
            try await sql.raw(
                """
                UPDATE jobs SET status = 'running', lease_owner = 'dead-worker', attempts = 1,
                lease_until = \(bind: clock.now.addingTimeInterval(300))
                """
            ).run()
            #expect(try await context.runJobs().ran == 0)
            clock.advance(by: TimeInterval(301))
            module.expect(.open, .done(ipAddress: "192.0.2.10"))
            // The opening and the "order paid" e-mail (the dead worker held both).
            #expect(try await context.runJobs().done == 2)

            #expect(module.calls.map(\.key) == ["open:" + service.id!.uuidString.lowercased()])
            let opened = try #require(try await ServiceRecord.find(service.id!, on: app.db))
            #expect(opened.status == .active)
            #expect(opened.ipAddress == "192.0.2.10")
            let job = try #require(try await Self.jobs(app).first)
            #expect(job.status == .done)
            #expect(job.attempts == 2)
            #expect(job.leaseOwner == "test-worker")
            // Nothing is left to run: a third worker calls nothing.
            #expect(try await context.runJobs().ran == 0)
            #expect(module.calls.count == 1)
            let history = try await ServiceLifecycle(context: app.engine).history(serviceID: service.id!).map(\.event)
            #expect(history == ["opened", "paid", "ordered"])
            #expect(try await app.balance(service.accountID) == Money.eur("40.00"))
        }
    }

    @Test func aModuleThatFailsTwiceThenSucceedsLeavesTheServiceActiveWithBothFailuresInItsHistory() async throws {
        try await TestEngine.run { app, clock in
            let module = StandInModule()
            module.expect(
                .open, .failed("hypervisor timeout", permanent: false), .failed("hypervisor timeout", permanent: false),
                .done(ipAddress: "192.0.2.11"))
            let context = app.engine.replacingModules(ProcessingModules([module]))
            let service = try await Self.paidService(app, context)

            #expect(try await context.runJobs().retried == 1)
            var job = try #require(try await Self.jobs(app).first)
            #expect(job.status == .queued)
            #expect(job.lastError == "hypervisor timeout")
            // The ladder: 30 s after the first failure, two minutes after the second.
            #expect(job.runAfter == clock.now.addingTimeInterval(30))
            #expect(try await context.runJobs().ran == 0)
            clock.advance(by: TimeInterval(30))
            #expect(try await context.runJobs().retried == 1)
            job = try #require(try await Self.jobs(app).first)
            #expect(job.runAfter == clock.now.addingTimeInterval(120))
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .processing)
            clock.advance(by: TimeInterval(120))
            #expect(try await context.runJobs().done == 1)

            let opened = try #require(try await ServiceRecord.find(service.id!, on: app.db))
            #expect(opened.status == .active)
            #expect(opened.ipAddress == "192.0.2.11")
            #expect(module.calls.count == 3)
            #expect(Set(module.calls.map(\.key)).count == 1)
            let history = try await ServiceLifecycle(context: app.engine).history(serviceID: service.id!)
            #expect(history.map(\.event) == ["opened", "module_error", "module_error", "paid", "ordered"])
            #expect(history.filter { $0.event == "module_error" }.map(\.note) == ["open: hypervisor timeout", "open: hypervisor timeout"])
            job = try #require(try await Self.jobs(app).first)
            #expect(job.status == .done)
            #expect(job.attempts == 3)
        }
    }

    @Test func aPermanentFailureStopsRetryingUntilStaffRetryIt() async throws {
        try await TestEngine.run { app, clock in
            let module = StandInModule()
            module.expect(.open, .failed("image debian-13 not found", permanent: true))
            let context = app.engine.replacingModules(ProcessingModules([module]))
            let service = try await Self.paidService(app, context)
            #expect(try await context.runJobs().failed == 1)
            clock.advance(days: 1)
            #expect(try await context.runJobs().ran == 0)
            var job = try #require(try await Self.jobs(app).first)
            #expect(job.status == .failed)
            #expect(job.lastError == "image debian-13 not found")
            // The service is paid and waits in Processing for staff; nothing is refunded or lost.
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .processing)
            #expect(try await app.balance(service.accountID) == Money.eur("40.00"))
            let queue = JobQueue(context: context)
            #expect(try await queue.list(status: .failed).map(\.id) == [job.id!])
            #expect(try await queue.counts().first { $0.kind == .serviceOpen }?.count(.failed) == 1)
            await #expect(throws: JobActionError.notFound) { try await queue.cancel(UUID(), caller: .testStaff) }

            module.expect(.open, .done(ipAddress: "192.0.2.12"))
            try await queue.retry(job.id!, caller: .testStaff)
            await #expect(throws: JobActionError.notAllowed(status: .queued)) { try await queue.retry(job.id!, caller: .testStaff) }
            #expect(try await context.runJobs().done == 1)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)
            job = try #require(try await Self.jobs(app).first)
            #expect(job.status == .done)
            #expect(job.attempts == 1)
            await #expect(throws: JobActionError.notAllowed(status: .done)) { try await queue.cancel(job.id!, caller: .testStaff) }
        }
    }

    @Test func aFailureThatOutlastsTheLadderFailsForGood() async throws {
        try await TestEngine.run { app, clock in
            let module = StandInModule()
            let ladder = JobKind.serviceOpen.ladder
            for _ in 0...ladder.count { module.expect(.open, .failed("connection refused", permanent: false)) }
            let context = app.engine.replacingModules(ProcessingModules([module]))
            _ = try await Self.paidService(app, context)
            for delay in ladder {
                #expect(try await context.runJobs().retried == 1)
                clock.advance(by: TimeInterval(delay))
            }
            #expect(try await context.runJobs().failed == 1)
            let job = try #require(try await Self.jobs(app).first)
            #expect(job.status == .failed)
            #expect(job.attempts == JobKind.serviceOpen.maxAttempts)
            #expect(module.calls.count == ladder.count + 1)
            clock.advance(days: 2)
            #expect(try await context.runJobs().ran == 0)
        }
    }

    @Test func theClientsStopAndStartGoThroughTheModuleAndAFailureKeepsTheStatus() async throws {
        try await TestEngine.run { app, clock in
            let module = StandInModule()
            module.expect(.open, .done(ipAddress: "192.0.2.13"))
            let context = app.engine.replacingModules(ProcessingModules([module]))
            let service = try await Self.paidService(app, context)
            try await context.runJobs()
            let account = try await app.account(service.accountID)
            let lifecycle = ServiceLifecycle(context: context)

            try await lifecycle.stop(serviceID: service.id!, caller: .testClient(account))
            var stored = try #require(try await ServiceRecord.find(service.id!, on: app.db))
            #expect(stored.status == .processing)
            #expect(stored.operation == .switchingOff)
            // A second click while it is switching off is refused and queues nothing.
            await #expect(throws: ServiceActionError.notAllowed(status: .processing)) {
                try await lifecycle.stop(serviceID: service.id!, caller: .testClient(account))
            }
            module.expect(.stop, .pending(seconds: 20), .done)
            #expect(try await context.runJobs().polled == 1)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.operation == .switchingOff)
            clock.advance(by: 20)
            #expect(try await context.runJobs().done == 1)
            stored = try #require(try await ServiceRecord.find(service.id!, on: app.db))
            #expect(stored.status == .stoppedByClient)
            let stopJob = try #require(try await Self.jobs(app).first { $0.kind == .serviceStop })
            #expect(stopJob.attempts == 1) // a poll is not a failed attempt

            // The module refuses to start it: the service stays Stopped, the client can try again.
            module.expect(.start, .failed("BMC refused the power-on", permanent: true))
            try await lifecycle.start(serviceID: service.id!, caller: .testClient(account))
            #expect(try await context.runJobs().failed == 1)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .stoppedByClient)
            module.expect(.start, .done)
            try await lifecycle.start(serviceID: service.id!, caller: .testClient(account))
            #expect(try await context.runJobs().done == 1)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)
            #expect(module.log == ["open #1001", "stop #1001", "stop #1001", "start #1001", "start #1001"])
            let events = try await ServiceLifecycle(context: app.engine).history(serviceID: service.id!).map(\.event)
            #expect(
                events == [
                    "started_by_client", "switch_on_requested", "switch_failed", "module_error", "switch_on_requested",
                    "stopped_by_client", "switch_off_requested", "opened", "paid", "ordered"
                ])
            #expect(module.unused.isEmpty)
        }
    }

    @Test func aJobIsWrittenWithItsTransactionOrNotAtAllAndOnceForItsKey() async throws {
        try await TestEngine.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            let account = try await app.account(client.accountID)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web"), caller: .testClient(account))
            // No money: the payment rolls back, and with it the service's opening and its job.
            await #expect(throws: OrderError.self) {
                try await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
            }
            #expect(try await JobRecord.query(on: app.db).count() == 0)
            // Paying the same order twice (a double click) makes one service and one job.
            try await app.topUp(client.accountID, Money.eur("20.00"), key: "t")
            let order = try #require(try await Orders(context: app.engine).list(caller: .testClient(account), status: .pending).first)
            try await Orders(context: app.engine).pay(orderID: order.id, caller: .testClient(account))
            try await Orders(context: app.engine).pay(orderID: order.id, caller: .testClient(account))
            #expect(try await ServiceRecord.query(on: app.db).count() == 1)
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == .serviceOpen).count() == 1)
            // … and one "order paid" e-mail.
            #expect(
                try await OutboxEmailRecord.query(on: app.db).filter(\.$dedupeKey == "order-paid:\(order.id.uuidString.lowercased())")
                    .count() == 1)
            #expect(try await app.runJobs().done == 2)
            #expect(try await app.runJobs().ran == 0)
        }
    }

    /// One failing step of the daily pass no longer stops the rest: the day's renewals run while
    /// autopayment fails, and autopayment waits on the queue with its error for staff to see.
    @Test func aFailingStepOfTheDailyPassLeavesTheOthersToRunAndWaitsOnTheQueue() async throws {
        try await TestEngine.run { app, clock in
            let service = try await Self.paidService(app, app.engine)
            try await app.runJobs()
            let stored = try #require(try await ServiceRecord.find(service.id!, on: app.db))
            let due = try #require(LocalDate(iso: stored.expiresOn))
            while app.engine.today < due { clock.advance(days: 1) }
            // Autopayment's table is gone: that step fails whatever it does.
            try await (app.db as! any SQLDatabase).raw("DROP TABLE autopay_settings").run()
            let outcome = try await JobRunner(context: app.engine, owner: "test").runDue()
            guard case .ran(let summary) = outcome else {
                Issue.record("the pass did not run: \(outcome)")
                return
            }
            #expect(summary.failedSteps == ["autopayment"])
            #expect(summary.renewed == 1)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.expiresOn != due.iso)
            let round = try await app.runJobs()
            #expect(round.retried == 1)
            let step = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == .dailyStep).first())
            #expect(step.idempotencyKey == "daily:autopayment:\(due.iso)")
            #expect(step.status == .queued)
            #expect(step.attempts == 1)
            // SQLite names the table; PostgreSQL's driver keeps the server's text out of its
            // description (it may hold data), so only that there is an error is common to both.
            #expect(step.lastError?.isEmpty == false)
            if TestDatabase.postgresURL == nil { #expect(step.lastError?.contains("autopay_settings") == true) }
        }
    }

    @Test func twoWorkersShareAThousandJobsAndRunEachOnce() async throws {
        try await TestEngine.run { app, _ in
            // Jobs for services that are gone: each run is a claim, a read and a "done".
            let base = app.engine
            try await app.db.transaction { tx in
                for chunk in stride(from: 0, to: 1_000, by: 250) {
                    let rows: [SQLQueryString] = (chunk..<chunk + 250).map { n in
                        """
                        (\(bind: UUID.timeOrdered()), 'service.stop', \(bind: #"{"serviceID":"\#(UUID().uuidString)","reason":"expiry"}"#),
                        \(bind: "bulk:\(n)"), 'queued', \(bind: base.clock.now), 0, \(bind: base.clock.now), \(bind: base.clock.now))
                        """
                    }
                    try await tx.sql.raw(
                        """
                        INSERT INTO jobs (id, kind, payload, idempotency_key, status, run_after, attempts, created_at, updated_at)
                        VALUES \(rows.joined(separator: ", "))
                        """
                    ).run()
                }
            }
            let first = JobWorker(context: base, owner: "worker-a")
            let second = JobWorker(context: base, owner: "worker-b")
            async let a = first.drain()
            async let b = second.drain()
            let (roundA, roundB) = try await (a, b)
            #expect(roundA.done + roundB.done == 1_000)
            let rows = try await app.db.sql.raw("SELECT status, attempts, COUNT(*) AS n FROM jobs GROUP BY status, attempts").all()
            let summary = try rows.map {
                "\(try $0.decode(column: "status", as: String.self)) \(try $0.decode(column: "attempts", as: Int.self)) \(try $0.decode(column: "n", as: Int.self))"
            }
            // Each job claimed exactly once: a second claim would have made its attempts 2.
            #expect(summary == ["done 1 1000"])
        }
    }
}
