import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Provisioning
import ProvisioningTestSupport
import Testing

/// A VPS of the catalog served by the libvirt module on a real libvirt (its `test:///` driver
/// with a host file of ours), through the job queue, while the clock moves through months: what
/// the billing says, the host does.
@Suite("A VPS on libvirt", .enabled(if: LibvirtHost.available))
struct LibvirtServiceTests {
    @Test func theHostFollowsTheOrderTheClientAndTheBillingThroughThreeMonths() async throws {
        let host = try LibvirtHost()
        defer { host.remove() }
        try await TestEngine.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let cpu = try await Catalog(context: app.engine).saveAddon(
                .init(kind: .cpu, name: "vCPU", included: 2, minimum: 1, maximum: 8, step: 1), planID: catalog.monthly, caller: .testStaff)
            let disk = try await Catalog(context: app.engine).saveAddon(
                .init(kind: .disk, name: "Disk", included: 20_480, minimum: 10_240, maximum: 102_400, step: 10_240),
                planID: catalog.monthly, caller: .testStaff)
            for addon in [cpu, disk] {
                try await Catalog(context: app.engine).setPrice(
                    ownerID: addon, period: .month, amount: Money(units: 0, currency: .EUR), caller: .testStaff)
            }
            let module = host.module()
            let context = app.engine.replacingModules(ProcessingModules([module]))
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("20.24"), key: "t")
            let account = try await app.account(client.accountID)
            // 2 GiB of RAM instead of the included 1 GiB: 10.00 + 1024 MiB × 0.01 a month.
            try await Cart(context: context).add(
                OrderConfiguration(
                    planID: catalog.monthly, period: .month, addons: [catalog.ram: 2048], domainName: "web", osImage: "Ubuntu 24.04"),
                caller: .testClient(account))
            let order = try await Orders(context: context).checkout(caller: .testClient(account), payFromBalance: true)
            #expect(order.total == Money.eur("20.24"))
            let service = try #require(try await ServiceRecord.query(on: app.db).first())
            let lifecycle = ServiceLifecycle(context: context)
            func status() async throws -> ServiceState {
                let fresh = try #require(try await ServiceRecord.find(service.id!, on: app.db))
                return ServiceState(fresh.status, operation: fresh.operation)
            }
            func domain() async throws -> Libvirt.State? { try await module.state(ofService: service.number) }

            // Paid: Processing (opening) and nothing on the host until the job runs.
            #expect(try await status() == ServiceState(.processing, operation: .opening))
            #expect(try await domain() == nil)
            try await context.runJobs()
            #expect(try await status() == ServiceState(.active))
            #expect(try await domain() == .running)
            let opened = try #require(try await ServiceRecord.find(service.id!, on: app.db))
            #expect(opened.ipAddress?.hasPrefix("192.168.122.") == true)
            // The plan's resources with the client's choice, on the chosen OS.
            let info = try await module.libvirt.run([
                "dominfo svc-\(service.number)", "vol-dumpxml svc-\(service.number).qcow2 --pool default"
            ])
            #expect(info[0].contains("CPU(s):         2"))
            #expect(info[0].contains("Max memory:     2097152 KiB"))
            #expect(info[1].contains("<capacity unit='bytes'>21474836480</capacity>"))
            #expect(info[1].contains("ubuntu-24.04.qcow2"))

            // The client reboots it: Processing (reboot), then Active, still running.
            try await lifecycle.reboot(serviceID: service.id!, caller: .testClient(account))
            #expect(try await status() == ServiceState(.processing, operation: .reboot))
            // A second click while it reboots is refused and queues nothing.
            await #expect(throws: ServiceActionError.notAllowed(status: .processing)) {
                try await lifecycle.reboot(serviceID: service.id!, caller: .testClient(account))
            }
            try await context.runJobs()
            #expect(try await status() == ServiceState(.active))
            #expect(try await domain() == .running)

            // The client reinstalls it with Debian: an OS the plan does not offer is refused and
            // changes nothing; then Processing (reinstall), a fresh disk over Debian's template of
            // the same size, running, and the service names its new OS.
            await #expect(throws: ServiceActionError.unknownOS) {
                try await lifecycle.reinstall(serviceID: service.id!, osImage: "Windows 11", caller: .testClient(account))
            }
            #expect(try await status() == ServiceState(.active))
            try await lifecycle.reinstall(serviceID: service.id!, osImage: "Debian 12", caller: .testClient(account))
            #expect(try await status() == ServiceState(.processing, operation: .reinstall))
            try await context.runJobs()
            #expect(try await status() == ServiceState(.active))
            #expect(try await domain() == .running)
            let reinstalled = try await module.libvirt.run(["vol-dumpxml svc-\(service.number).qcow2 --pool default"])[0]
            #expect(reinstalled.contains("debian-12.qcow2"))
            #expect(!reinstalled.contains("ubuntu-24.04.qcow2"))
            #expect(reinstalled.contains("<capacity unit='bytes'>21474836480</capacity>"))
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.osImage == "Debian 12")
            // The same job run again (a worker that died before saying so) does not wipe the disk
            // a second time: the module finds the job's key and leaves the domain running as it is
            // (a reinstall switches it off and on: a new domain id).
            let job = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == .serviceReinstall).first())
            let request = ProvisioningRequest(
                serviceID: service.id!, number: service.number, productType: .vps, domainName: "web", osImage: "Debian 12",
                resources: [.disk: 20_480])
            let runningID = try await module.libvirt.run(["domid svc-\(service.number)"])[0]
            #expect(try await module.perform(.reinstall, on: request, key: job.idempotencyKey) == .done(ipAddress: nil))
            #expect(try await module.libvirt.run(["domid svc-\(service.number)"])[0] == runningID)
            // A new reinstall (a new key) does the work again.
            #expect(try await module.perform(.reinstall, on: request, key: "reinstall:again") == .done(ipAddress: nil))
            #expect(try await module.libvirt.run(["domid svc-\(service.number)"])[0] != runningID)

            // The client powers it off and on: the host's domain really stops and starts again
            // (a new domain id).
            let firstID = try await module.libvirt.run(["domid svc-\(service.number)"])[0]
            try await lifecycle.stop(serviceID: service.id!, caller: .testClient(account))
            try await context.runJobs()
            #expect(try await status() == ServiceState(.stoppedByClient))
            #expect(try await domain() == .shutOff)
            try await lifecycle.start(serviceID: service.id!, caller: .testClient(account))
            try await context.runJobs()
            #expect(try await status() == ServiceState(.active))
            #expect(try await domain() == .running)
            #expect(try await module.libvirt.run(["domid svc-\(service.number)"])[0] != firstID)

            // The months: expiry on 15 February stops it, the payment on the 20th starts it, the
            // next expiry on 20 March stops it, and 14 days of grace later it is gone.
            let run = RenewalRun(context: context)
            var seen: [String: Libvirt.State?] = [:]
            var day = context.today
            while day < LocalDate(iso: "2026-04-03")! {
                clock.advance(days: 1)
                day = context.today
                if day.iso == "2026-02-20" { try await app.topUp(client.accountID, Money.eur("20.24"), key: "t2") }
                _ = try await run.run(on: day)
                try await context.runJobs()
                if ["2026-02-14", "2026-02-15", "2026-02-20", "2026-03-19", "2026-03-20", "2026-04-02"].contains(day.iso) {
                    seen[day.iso] = try await domain()
                }
            }
            #expect(seen["2026-02-14"] == .running)
            #expect(seen["2026-02-15"] == .shutOff)
            #expect(seen["2026-02-20"] == .running)
            #expect(seen["2026-03-19"] == .running)
            #expect(seen["2026-03-20"] == .shutOff)
            #expect(seen["2026-04-02"] == .shutOff)
            #expect(try await status() == ServiceState(.deleted))
            #expect(try await domain() == nil)
            #expect(try await module.libvirt.hasVolume("svc-\(service.number).qcow2", pool: "default") == false)
            // Every server job ran once and is done; none failed.
            let jobs = try await JobRecord.query(on: app.db).all().filter { $0.kind.operation != nil }
            #expect(jobs.allSatisfy { $0.status == .done })
            #expect(
                jobs.map(\.kind).sorted { $0.rawValue < $1.rawValue }
                    == [
                        .serviceDelete, .serviceOpen, .serviceReboot, .serviceReinstall, .serviceStart, .serviceStart, .serviceStop,
                        .serviceStop, .serviceStop
                    ])
            let history = try await lifecycle.history(serviceID: service.id!).map(\.event)
            #expect(history.contains("reboot_requested") && history.contains("rebooted"))
            #expect(!history.contains("module_error"))
        }
    }
}
