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

/// The IPMI driver against OpenIPMI's `ipmi_sim`, a simulated BMC that `.ci/run` starts with
/// `e2e/ipmi_sim.sh`: power, boot device, and a temporary user for the IP-KVM link that can
/// log in to the BMC until it is removed (SVC-3, SVC-4).
///
/// One BMC serves the suite: its tests run one after the other.
@Suite("IPMI driver", .enabled(if: IPMISimulator.available), .serialized)
struct IPMITests {
    @Test func powerBootDeviceAndATemporaryUserOnARealBMC() async throws {
        let ipmi = IPMI(bmc: IPMISimulator.bmc)
        try await ipmi.power(.off)
        #expect(try await ipmi.powerState() == .off)
        try await ipmi.power(.on)
        #expect(try await ipmi.powerState() == .on)
        // A power cycle is off, then on again a moment later.
        try await ipmi.power(.cycle)
        var state = try await ipmi.powerState()
        for _ in 0..<20 where state == .off {
            try await Task.sleep(for: .milliseconds(250))
            state = try await ipmi.powerState()
        }
        #expect(state == .on)
        try await ipmi.power(.reset)
        #expect(try await ipmi.powerState() == .on)
        try await ipmi.bootFromNetwork()

        // The client's IP-KVM user logs in to the BMC, and no longer once removed.
        try await ipmi.addUser(slot: 5, name: "kvm1234", password: "Kvm-temporary-1")
        let asClient = IPMI(
            bmc: BMCAddress(host: IPMISimulator.bmc.host, port: IPMISimulator.bmc.port, user: "kvm1234", password: "Kvm-temporary-1"))
        #expect(try await asClient.powerState() == .on)
        try await ipmi.removeUser(slot: 5)
        // An unknown user is refused for good.
        do {
            _ = try await asClient.powerState()
            Issue.record("a removed BMC user still logs in")
        } catch let failure as IPMIFailure {
            #expect(failure.description.contains("chassis power status"))
            #expect(failure.isPermanent)
        }

        // A wrong password is refused for good; the password never appears in what is reported.
        let wrong = IPMI(bmc: BMCAddress(host: IPMISimulator.bmc.host, port: IPMISimulator.bmc.port, user: "admin", password: "not-secret"))
        do {
            try await wrong.power(.off)
            Issue.record("a wrong BMC password was accepted")
        } catch let failure as IPMIFailure {
            #expect(failure.isPermanent)
            #expect(!failure.description.contains("not-secret"))
        }
        #expect(try await ipmi.powerState() == .on)
    }

    /// A dedicated plan on the IPMI module: the pool hands its one server to the first order and
    /// none to the second (Not available); the server's power follows the client's stop, start
    /// and reboot, and the deletion powers it off and gives it back to the pool.
    @Test func thePoolHandsOutAServerAndItsPowerFollowsTheService() async throws {
        try await TestApp.run { app, _ in
            let context = app.engine.replacingModules(ProcessingModules([SimulatedProcessingModule(), IPMIModule()]))
            let catalog = Catalog(context: context)
            let plan = try await catalog.savePlan(
                .init(productType: .dedicated, name: "Dedicated E3", osImages: ["Debian 12"], processingModule: "ipmi"), caller: .testStaff)
            try await catalog.setPrice(ownerID: plan, period: .month, amount: Money.eur("80.00"), caller: .testStaff)
            #expect(try await PlanRecord.find(plan, on: app.db)?.processingModule == "ipmi")
            await #expect(throws: CatalogError.unknownModule) {
                try await catalog.savePlan(.init(productType: .dedicated, name: "X", processingModule: "vmware"), caller: .testStaff)
            }

            let pool = ServerPool(context: context)
            let bmc = IPMISimulator.bmc
            // Bad input changes nothing, and the support role may not touch the pool.
            await #expect(throws: ServerPoolError.badAddress) {
                try await pool.add(
                    .init(
                        name: "rack3-u12", bmcHost: bmc.host, bmcPort: bmc.port, bmcUser: bmc.user, bmcPassword: bmc.password,
                        address: "203.0.113"),
                    caller: .testStaff)
            }
            let server = try await pool.add(
                .init(
                    name: "rack3-u12", bmcHost: bmc.host, bmcPort: bmc.port, bmcUser: bmc.user, bmcPassword: bmc.password,
                    address: "203.0.113.10"),
                caller: .testStaff)
            await #expect(throws: ServerPoolError.duplicateAddress) {
                try await pool.add(
                    .init(
                        name: "rack3-u13", bmcHost: bmc.host, bmcPort: bmc.port, bmcUser: bmc.user, bmcPassword: "x",
                        address: "203.0.113.10"),
                    caller: .testStaff)
            }
            // The password is sealed in the database.
            let stored = try #require(try await DedicatedServerRecord.find(server, on: app.db))
            #expect(!stored.bmcPasswordSealed.contains(bmc.password))

            let ipmi = IPMI(bmc: bmc)
            try await ipmi.power(.off)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("160.00"), key: "t")
            let owner = Caller.testOwner(try await app.account(client.accountID))
            let first = try await app.orderPaid(plan, domain: "db1", for: client.accountID, through: context)
            let second = try await app.orderPaid(plan, domain: "db2", for: client.accountID, through: context)
            try await context.runJobs()
            func fresh(_ service: ServiceRecord) async throws -> ServiceRecord {
                try #require(try await ServiceRecord.find(service.id!, on: app.db))
            }
            #expect(try await fresh(first).status == .active)
            #expect(try await fresh(first).ipAddress == "203.0.113.10")
            #expect(try await ipmi.powerState() == .on)
            // The pool had one server: the second order waits for staff.
            #expect(try await fresh(second).status == .unavailable)
            #expect(try await pool.servers(caller: .testStaff).map(\.serviceNumber) == [first.number])
            await #expect(throws: ServerPoolError.inUse) { try await pool.remove(server, caller: .testStaff) }

            let lifecycle = ServiceLifecycle(context: context)
            try await lifecycle.stop(serviceID: first.id!, caller: owner)
            try await context.runJobs()
            #expect(try await fresh(first).status == .stoppedByClient)
            #expect(try await ipmi.powerState() == .off)
            try await lifecycle.start(serviceID: first.id!, caller: owner)
            try await context.runJobs()
            #expect(try await fresh(first).status == .active)
            #expect(try await ipmi.powerState() == .on)
            try await lifecycle.reboot(serviceID: first.id!, caller: owner)
            try await context.runJobs()
            #expect(try await fresh(first).status == .active)
            var state = try await ipmi.powerState()
            for _ in 0..<20 where state == .off {
                try await Task.sleep(for: .milliseconds(250))
                state = try await ipmi.powerState()
            }
            #expect(state == .on)

            try await lifecycle.delete(serviceID: first.id!, caller: owner)
            try await context.runJobs()
            #expect(try await fresh(first).status == .deleted)
            #expect(try await ipmi.powerState() == .off)
            #expect(try await pool.servers(caller: .testStaff).map(\.serviceID) == [nil])
            // The second order is still Not available: a freed server does not reach out by itself...
            #expect(try await fresh(second).status == .unavailable)
            // ...but a server staff add does: the order that waited opens on the first free one.
            let added = try await pool.add(
                .init(
                    name: "rack3-u14", bmcHost: bmc.host, bmcPort: bmc.port, bmcUser: bmc.user, bmcPassword: bmc.password,
                    address: "203.0.113.11"),
                caller: .testStaff)
            #expect(try await fresh(second).status == .processing)
            try await context.runJobs()
            #expect(try await fresh(second).status == .active)
            #expect(try await fresh(second).ipAddress == "203.0.113.10")
            #expect(try await ipmi.powerState() == .on)
            let events = try await ServiceEventRecord.query(on: app.db).filter(\.$serviceID == second.id!).all().map(\.event)
            #expect(events.contains("retry_opening"))
            try await lifecycle.delete(serviceID: second.id!, caller: owner)
            try await context.runJobs()
            try await pool.remove(server, caller: .testStaff)
            try await pool.remove(added, caller: .testStaff)
            #expect(try await pool.servers(caller: .testStaff).isEmpty)
        }
    }
}

/// The simulated BMC `.ci/run` starts (`IPMI_TEST_HOST`, `IPMI_TEST_PORT`, `IPMI_TEST_USER`,
/// `IPMI_TEST_PASSWORD`); in CI the suite runs whether or not it is there, so a missing
/// simulator fails instead of skipping (and `.ci/run` checks that the test passed).
enum IPMISimulator {
    static let environment = ProcessInfo.processInfo.environment
    static var available: Bool { environment["IPMI_TEST_HOST"] != nil || environment["CI"] != nil }
    static var bmc: BMCAddress {
        BMCAddress(
            host: environment["IPMI_TEST_HOST"] ?? "127.0.0.1", port: Int(environment["IPMI_TEST_PORT"] ?? "") ?? 9623,
            user: environment["IPMI_TEST_USER"] ?? "admin", password: environment["IPMI_TEST_PASSWORD"] ?? "secret")
    }
}

extension IPMITests {
    /// The IP-KVM link of a dedicated server: opening the access shows a password once, the
    /// job adds that user to the real BMC, it logs in until its expiry, and the removal job
    /// shuts it out; stopping the server closes a live access at once.
    @Test func aTemporaryBMCUserLogsInUntilItExpiresOrTheServerStops() async throws {
        try await TestApp.run { app, clock in
            let context = app.engine.replacingModules(ProcessingModules([SimulatedProcessingModule(), IPMIModule()]))
            let catalog = Catalog(context: context)
            let plan = try await catalog.savePlan(
                .init(productType: .dedicated, name: "Dedicated E3", osImages: ["Debian 12"], processingModule: "ipmi"), caller: .testStaff)
            try await catalog.setPrice(ownerID: plan, period: .month, amount: Money.eur("80.00"), caller: .testStaff)
            let bmc = IPMISimulator.bmc
            _ = try await ServerPool(context: context).add(
                .init(
                    name: "rack3-u20", bmcHost: bmc.host, bmcPort: bmc.port, bmcUser: bmc.user, bmcPassword: bmc.password,
                    address: "203.0.113.20"),
                caller: .testStaff)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("100.00"), key: "t")
            let owner = Caller.testOwner(try await app.account(client.accountID))
            let service = try await app.orderPaid(plan, domain: "db1", for: client.accountID, through: context)
            try await context.runJobs()
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)

            let console = ServiceConsole(context: context)
            let before = try await console.overview(serviceID: service.id!, caller: owner)
            #expect(before.kind == .bmc)
            #expect(before.url == "https://\(bmc.host)/")
            #expect(before.access == nil)
            guard case .bmc(let url, let user, let password, let expiresAt) = try await console.open(serviceID: service.id!, caller: owner)
            else {
                Issue.record("a dedicated server's console is its BMC")
                return
            }
            #expect(url == "https://\(bmc.host)/")
            #expect(user == "kvm\(service.number)")
            #expect(password.count == 16)
            #expect(expiresAt == clock.now.addingTimeInterval(3 * 3_600))
            #expect(try await console.overview(serviceID: service.id!, caller: owner).access?.status == .pending)
            // The password is sealed in the database, never stored as typed.
            let stored = try #require(try await ConsoleGrantRecord.query(on: app.db).first())
            #expect(!stored.passwordSealed.contains(password))

            try await context.runJobs()
            #expect(try await console.overview(serviceID: service.id!, caller: owner).access?.status == .active)
            let asClient = IPMI(bmc: BMCAddress(host: bmc.host, port: bmc.port, user: user, password: password))
            #expect(try await asClient.powerState() == .on)
            // The grant job run again (a worker died after the BMC call) changes nothing.
            try await context.runJobs()
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == .consoleGrant).count() == 1)

            // Three hours later the user is removed and no longer logs in.
            clock.advance(by: 3 * 3_600 + 1)
            #expect(try await console.overview(serviceID: service.id!, caller: owner).access?.status == .expired)
            try await context.runJobs()
            #expect(try await ConsoleGrantRecord.query(on: app.db).first()?.status == .expired)
            await #expect(throws: IPMIFailure.self) { _ = try await asClient.powerState() }

            // A new access, then the client stops the server: the user is removed at once.
            guard case .bmc(_, _, let second, _) = try await console.open(serviceID: service.id!, caller: owner) else {
                Issue.record("a dedicated server's console is its BMC")
                return
            }
            #expect(second != password)
            try await context.runJobs()
            let again = IPMI(bmc: BMCAddress(host: bmc.host, port: bmc.port, user: user, password: second))
            #expect(try await again.powerState() == .on)
            try await ServiceLifecycle(context: context).stop(serviceID: service.id!, caller: owner)
            try await context.runJobs()
            #expect(try await ConsoleGrantRecord.query(on: app.db).first()?.status == .expired)
            await #expect(throws: IPMIFailure.self) { _ = try await again.powerState() }
            // A stopped server's console does not open.
            await #expect(throws: ServiceActionError.notAllowed(status: .stoppedByClient)) {
                _ = try await console.open(serviceID: service.id!, caller: owner)
            }

            try await ServiceLifecycle(context: context).delete(serviceID: service.id!, caller: owner)
            try await context.runJobs()
        }
    }
}
