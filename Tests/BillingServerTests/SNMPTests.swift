import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import EngineTestSupport
import FluentKit
import Foundation
import Provisioning
import Testing
import Vapor

/// The switch-port reader against Net-SNMP's real `snmpd`, which `.ci/run` starts with
/// `e2e/snmpd.sh`: the machine's own loopback interface, and switch ports whose counters the
/// test sets (64-bit on 1009, only 32-bit on 1010, as an old switch has).
@Suite("SNMP switch ports", .enabled(if: SNMPAgent.available))
struct SNMPTests {
    @Test func aSwitchPortsCountersAreTheServersTrafficTheOtherWayRound() async throws {
        let reader = SNMPSwitchPortReader()
        // What the port received the server sent: the port's in is the server's out.
        try SNMPAgent.set(port: 1009, in: 7_000_000_000, out: 123_456)
        let wide = try await reader.counters(of: SNMPAgent.port(1009))
        #expect(wide == TrafficCounters(rxBytes: 123_456, txBytes: 7_000_000_000, width: 64))
        // A switch with only ifTable's 32-bit counters is read there, and says they wrap at 2³².
        try SNMPAgent.set(port: 1010, in32: 4_294_967_000, out32: 77)
        let narrow = try await reader.counters(of: SNMPAgent.port(1010))
        #expect(narrow == TrafficCounters(rxBytes: 77, txBytes: 4_294_967_000, width: 32))
        // The machine's own loopback, counted by the agent itself: it has carried something.
        let loopback = try await reader.counters(of: SNMPAgent.port(1))
        #expect(loopback.width == 64)
        #expect(loopback.rxBytes > 0)

        // A port the switch does not have is an error that names it.
        do {
            _ = try await reader.counters(of: SNMPAgent.port(4242))
            Issue.record("a missing port was read")
        } catch let failure as SNMPFailure {
            #expect(failure.description.contains("ifIndex 4242"))
        }
        // SNMP v2c does not answer a wrong community; the community is not in the error.
        do {
            _ = try await reader.counters(
                of: SwitchPort(host: SNMPAgent.host, port: SNMPAgent.agentPort, community: "guess-me", interfaceIndex: 1009))
            Issue.record("a wrong community was answered")
        } catch let failure as SNMPFailure {
            #expect(failure.description.contains("did not answer"))
            #expect(!failure.description.contains("guess-me"))
        }
    }
}

extension IPMITests {
    /// A dedicated server's traffic comes from its switch port (SVC-5): staff cable the pool's
    /// server to a port, the collector reads the real agent every five minutes, and the Traffic
    /// tab shows the bytes; moving it to an old switch's 32-bit port starts the count again and
    /// a wrap of that counter is counted as what passed.
    @Test(.enabled(if: SNMPAgent.available)) func aDedicatedServersTrafficIsReadFromItsSwitchPort() async throws {
        try await TestApp.run { app, clock in
            let context = app.engine.replacingModules(ProcessingModules([SimulatedProcessingModule(), IPMIModule()]))
            let catalog = Catalog(context: context)
            let plan = try await catalog.savePlan(
                .init(productType: .dedicated, name: "Dedicated E5", osImages: ["Debian 12"], processingModule: "ipmi"), caller: .testStaff)
            try await catalog.setPrice(ownerID: plan, period: .month, amount: Money.eur("90.00"), caller: .testStaff)
            let bmc = IPMISimulator.bmc
            let pool = ServerPool(context: context)
            func form(_ switchHost: String, community: String, index: Int?) -> ServerPool.Form {
                .init(
                    name: "rack4-u01", bmcHost: bmc.host, bmcPort: bmc.port, bmcUser: bmc.user, bmcPassword: bmc.password,
                    address: "203.0.113.40", switchHost: switchHost, switchPort: SNMPAgent.agentPort, switchCommunity: community,
                    switchInterface: index)
            }
            // A switch port filled in halfway changes nothing.
            await #expect(throws: ServerPoolError.badSwitchCommunity) {
                try await pool.add(form(SNMPAgent.host, community: "", index: 1007), caller: .testStaff)
            }
            await #expect(throws: ServerPoolError.badSwitchInterface) {
                try await pool.add(form(SNMPAgent.host, community: SNMPAgent.community, index: nil), caller: .testStaff)
            }
            await #expect(throws: ServerPoolError.badSwitchHost) {
                try await pool.add(form("", community: SNMPAgent.community, index: 1007), caller: .testStaff)
            }
            #expect(try await pool.servers(caller: .testStaff).isEmpty)
            let server = try await pool.add(form(SNMPAgent.host, community: SNMPAgent.community, index: 1007), caller: .testStaff)
            // The community is sealed; the list shows where the port is, never the community.
            let stored = try #require(try await DedicatedServerRecord.find(server, on: app.db))
            #expect(stored.switchCommunitySealed.map { !$0.contains(SNMPAgent.community) } == true)
            let listed = try #require(try await pool.servers(caller: .testStaff).first)
            #expect(listed.switchHost == SNMPAgent.host)
            #expect(listed.switchInterface == 1007)

            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("90.00"), key: "t")
            let service = try await app.orderPaid(plan, domain: "big1", for: client.accountID, through: context)
            try await context.runJobs()
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)

            let traffic = ServiceTraffic(context: context)
            func collect() async throws {
                try await traffic.schedule()
                _ = try await context.runJobs()
            }
            func hours() async throws -> [(rx: Int64, tx: Int64)] {
                try await TrafficHourRecord.query(on: app.db).filter(\.$serviceID == service.id!).sort(\.$hour).all()
                    .map { ($0.rxBytes, $0.txBytes) }
            }
            // The first reading starts the count; five minutes later the port has passed 3 GB in
            // (the server sent them) and 250 MB out.
            try SNMPAgent.set(port: 1007, in: 10_000_000_000, out: 2_000_000_000)
            try await collect()
            #expect(try await hours().isEmpty)
            clock.advance(by: 300)
            try SNMPAgent.set(port: 1007, in: 13_000_000_000, out: 2_250_000_000)
            try await collect()
            #expect(try await hours().map(\.rx) == [250_000_000])
            #expect(try await hours().map(\.tx) == [3_000_000_000])

            // Staff move the server to an old switch's 32-bit port: its counters have nothing to
            // do with the last reading, so they only start the count again.
            try SNMPAgent.set(port: 1008, in32: 4_294_000_000, out32: 1_000)
            try await pool.update(server, form(SNMPAgent.host, community: "", index: 1008), caller: .testStaff)
            clock.advance(by: 300)
            try await collect()
            #expect(try await hours().map(\.tx) == [3_000_000_000])
            // The port's in counter wraps at 2³² between two readings: what passed is counted.
            clock.advance(by: 300)
            try SNMPAgent.set(port: 1008, in32: 1_032_704, out32: 5_000)
            try await collect()
            #expect(try await hours().map(\.tx) == [3_000_000_000 + 2_000_000])
            #expect(try await hours().map(\.rx) == [250_000_000 + 4_000])

            // The Traffic tab shows the hour's figures to the client.
            let browser = Browser(app)
            try await browser.logIn()
            let page = try await browser.get("/services/\(service.id!.uuidString.lowercased())/traffic")
            #expect(page.status == .ok)
            #expect(PageText.testID("traffic-out", in: page.text) == "2.8 GiB")
            #expect(PageText.testID("traffic-in", in: page.text) == "238 MiB")

            try await ServiceLifecycle(context: context).delete(
                serviceID: service.id!, caller: .testOwner(try await app.account(client.accountID)))
            try await context.runJobs()
            try await pool.remove(server, caller: .testStaff)
        }
    }
}

/// The SNMP agent `.ci/run` starts (`SNMP_TEST_HOST`, `SNMP_TEST_PORT`, `SNMP_TEST_COMMUNITY`,
/// and `SNMP_TEST_PORTS`, the directory of the switch ports' counter files). In CI the suite
/// runs whether or not it is there, so a missing agent fails instead of skipping.
enum SNMPAgent {
    static let environment = ProcessInfo.processInfo.environment
    static var available: Bool { environment["SNMP_TEST_HOST"] != nil || environment["CI"] != nil }
    static var host: String { environment["SNMP_TEST_HOST"] ?? "127.0.0.1" }
    static var agentPort: Int { Int(environment["SNMP_TEST_PORT"] ?? "") ?? 1161 }
    static var community: String { environment["SNMP_TEST_COMMUNITY"] ?? "test-community" }
    static var ports: URL { URL(fileURLWithPath: environment["SNMP_TEST_PORTS"] ?? "/tmp/snmp/ports") }

    static func port(_ index: Int) -> SwitchPort {
        SwitchPort(host: host, port: agentPort, community: community, interfaceIndex: index)
    }

    /// Sets a 64-bit port's counters, as the switch would count them.
    static func set(port: Int, in received: UInt64, out sent: UInt64) throws {
        try "\(received)\n".write(to: ports.appendingPathComponent("\(port).in"), atomically: true, encoding: .utf8)
        try "\(sent)\n".write(to: ports.appendingPathComponent("\(port).out"), atomically: true, encoding: .utf8)
    }

    /// Sets a 32-bit port's counters.
    static func set(port: Int, in32 received: UInt32, out32 sent: UInt32) throws {
        try "\(received)\n".write(to: ports.appendingPathComponent("\(port).in32"), atomically: true, encoding: .utf8)
        try "\(sent)\n".write(to: ports.appendingPathComponent("\(port).out32"), atomically: true, encoding: .utf8)
    }
}
