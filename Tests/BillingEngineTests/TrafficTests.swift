import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Provisioning
import ProvisioningTestSupport
import SQLKit
import Testing

/// A server's traffic (SVC-5): readings every five minutes, their differences added to the
/// hour, counted once when a worker dies mid-way, restarts and wraps handled, and the charts'
/// sums.
@Suite("Traffic collection")
struct TrafficTests {
    @Test func countersBecomeHourlyBytesOnceEvenWhenAWorkerDies() async throws {
        try await TestEngine.run { app, clock in
            let module = StandInModule()
            let context = app.engine.replacingModules(ProcessingModules([module]))
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web", for: client.accountID, through: context)
            module.expect(.open, .done(ipAddress: "192.0.2.10"))
            try await context.runJobs()
            let traffic = ServiceTraffic(context: context)
            let owner = Caller.testOwner(try await app.account(client.accountID))
            func hours() async throws -> [(Date, Int64, Int64)] {
                try await TrafficHourRecord.query(on: app.db).sort(\.$hour).all().map { ($0.hour, $0.rxBytes, $0.txBytes) }
            }
            func collect() async throws -> Int {
                try await traffic.schedule()
                return try await context.runJobs().done
            }

            // The first reading only starts the count.
            module.setCounters(TrafficCounters(rxBytes: 1_000_000, txBytes: 5_000_000), forService: service.number)
            #expect(try await collect() == 1)
            #expect(try await hours().isEmpty)
            // The same five minutes again: no second job.
            #expect(try await collect() == 0)

            clock.advance(by: 300)
            module.setCounters(TrafficCounters(rxBytes: 3_000_000, txBytes: 9_000_000), forService: service.number)
            #expect(try await collect() == 1)
            let hour = Date(timeIntervalSince1970: 1_768_467_600) // 09:00 UTC, the clock's hour
            #expect(try await hours().map(\.1) == [2_000_000])
            #expect(try await hours().map(\.2) == [4_000_000])
            #expect(try await hours().map(\.0) == [hour])

            // A worker claims the next collection and dies (kill -9): nothing is counted; the next
            // worker, after the lease, reads the counters again and counts from the stored reading.
            clock.advance(by: 300)
            module.setCounters(TrafficCounters(rxBytes: 4_000_000, txBytes: 10_000_000), forService: service.number)
            try await traffic.schedule()
            try await app.db.sql.raw(
                """
                UPDATE jobs SET status = 'running', lease_owner = 'dead-worker', attempts = 1,
                lease_until = \(bind: clock.now.addingTimeInterval(300)) WHERE kind = 'traffic.collect' AND status = 'queued'
                """
            ).run()
            #expect(try await context.runJobs().ran == 0)
            clock.advance(by: 301)
            module.setCounters(TrafficCounters(rxBytes: 5_000_000, txBytes: 12_000_000), forService: service.number)
            // The dead worker's job and this slot's: the first counts, the second finds nothing new.
            #expect(try await collect() == 2)
            #expect(try await hours().map(\.1) == [4_000_000])
            #expect(try await hours().map(\.2) == [7_000_000])

            // The next hour the VPS restarted: its counters start from zero, and all they hold is new.
            clock.advance(by: 3_600)
            module.setCounters(TrafficCounters(rxBytes: 500_000, txBytes: 700_000), forService: service.number)
            #expect(try await collect() == 1)
            #expect(try await hours().map(\.1) == [4_000_000, 500_000])
            #expect(try await hours().map(\.2) == [7_000_000, 700_000])
            #expect(try await hours().map(\.0) == [hour, hour.addingTimeInterval(3_600)])

            // A stopped server counts nothing.
            try await ServiceLifecycle(context: context).stop(serviceID: service.id!, caller: owner)
            module.expect(.stop, .done(ipAddress: nil))
            try await context.runJobs()
            clock.advance(by: 300)
            module.setCounters(TrafficCounters(rxBytes: 900_000, txBytes: 900_000), forService: service.number)
            #expect(try await collect() == 1)
            #expect(try await hours().map(\.1) == [4_000_000, 500_000])

            // The charts add the hours up.
            let day = try await traffic.chart(serviceID: service.id!, span: .day, caller: owner)
            #expect(day.buckets.count == 24)
            #expect(day.buckets.suffix(2).map(\.rxBytes) == [4_000_000, 500_000])
            #expect(day.buckets.suffix(2).map(\.label) == ["11:00", "12:00"]) // Kyiv time
            #expect(day.rxTotal == 4_500_000)
            #expect(day.txTotal == 7_700_000)
            let week = try await traffic.chart(serviceID: service.id!, span: .week, caller: owner)
            #expect(week.buckets.map(\.label).last == "2026-01-15")
            #expect(week.buckets.map(\.rxBytes) == [0, 0, 0, 0, 0, 0, 4_500_000])
            let year = try await traffic.chart(serviceID: service.id!, span: .year, caller: owner)
            #expect(year.buckets.map(\.label).first == "2025-02")
            #expect(year.buckets.map(\.label).last == "2026-01")
            #expect(year.monthBytes == 12_200_000)

            // Another account's server is not found.
            let stranger = try await app.signUpClient(email: "boris@example.com", country: "UA", currency: .EUR)
            await #expect(throws: ServiceActionError.notFound) {
                try await traffic.chart(serviceID: service.id!, span: .day, caller: .testOwner(try await app.account(stranger.accountID)))
            }
        }
    }

    @Test func aCounterThatWentDownRestartedOrWrapped() {
        // 64-bit counters (libvirt) never wrap in practice: smaller means restarted.
        #expect(TrafficCounters.delta(from: 5_000, to: 7_500, width: 64) == 2_500)
        #expect(TrafficCounters.delta(from: 5_000, to: 100, width: 64) == 100)
        // A 32-bit SNMP counter near its top that comes back small wrapped.
        #expect(TrafficCounters.delta(from: 4_294_967_000, to: 200, width: 32) == 496)
        // One low in its range that went down restarted.
        #expect(TrafficCounters.delta(from: 1_000, to: 200, width: 32) == 200)
        // The simulated module's counters only grow, by a daily shape.
        let start = Date(timeIntervalSince1970: 1_768_467_600)
        let first = TrafficCounters.simulated(forService: 1001, at: start)
        let later = TrafficCounters.simulated(forService: 1001, at: start.addingTimeInterval(300))
        #expect(later.txBytes > first.txBytes && later.rxBytes > first.rxBytes)
        #expect(later.txBytes - first.txBytes == 300 * 46 * 800) // 09:00 UTC: 46 units of 800 B/s for service 1001
    }
}
