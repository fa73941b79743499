import BillingDomain
import Foundation
import Provisioning
import ProvisioningTestSupport
import Testing

/// The libvirt driver against libvirt's own `test:///` driver (Debian's libvirt-clients) with a
/// host described by a node file of ours: a virtual server defined from a plan's resources,
/// started, rebooted, shut down, destroyed and undefined, its counters and console read back,
/// all over one virsh session.
@Suite("libvirt driver", .enabled(if: LibvirtHost.available))
struct LibvirtTests {
    @Test func aVirtualServerLivesThroughItsOperationsOnARealLibvirt() async throws {
        let host = try LibvirtHost()
        defer { host.remove() }
        let libvirt = Libvirt(uri: host.uri)
        let name = Libvirt.Domain.name(forService: 10_001)
        let domain = Libvirt.Domain(
            name: name, vcpus: 2, memoryMiB: 2048, diskPath: "/var/lib/billing/images/\(name).qcow2",
            mac: Libvirt.Domain.mac(forService: 10_001), vncPort: 5901, vncPassword: "kvm<&>pass")
        #expect(domain.mac == "52:54:00:00:27:11")
        let xml = host.folder.appendingPathComponent("\(name).xml")
        try Data(domain.xml(type: "test").utf8).write(to: xml)

        #expect(try await libvirt.state(of: name) == nil)
        let opened = try await libvirt.run(
            Libvirt.open(domain, xmlFile: xml.path) + ["dominfo \(name)"] + Libvirt.state(name) + Libvirt.counters(name, mac: domain.mac)
                + Libvirt.console(name) + ["dumpxml --security-info \(name)"] + Libvirt.addresses(name))
        #expect(opened.count == 8)
        #expect(opened[2].contains("CPU(s):         2"))
        #expect(opened[2].contains("Max memory:     2097152 KiB"))
        #expect(Libvirt.parseState(opened[3]) == .running)
        let counters = try #require(Libvirt.parseCounters(opened[4]))
        #expect(counters.rxBytes > 0 && counters.txBytes > 0)
        #expect(Libvirt.parseVNCPort(opened[5]) == 5901)
        // The password went into the XML escaped, and comes back as it was given.
        #expect(opened[6].contains(#"passwd='kvm&lt;&amp;&gt;pass'"#) || opened[6].contains(#"passwd="kvm&lt;&amp;&gt;pass""#))
        #expect(Libvirt.parseAddress(opened[7])?.hasPrefix("192.168.122.") == true)

        // The next calls see what the first one made: one connection.
        #expect(try await libvirt.state(of: name) == .running)
        _ = try await libvirt.run(Libvirt.reboot(name))
        #expect(try await libvirt.state(of: name) == .running)
        _ = try await libvirt.run(Libvirt.shutdown(name))
        #expect(try await libvirt.state(of: name) == .shutOff)
        _ = try await libvirt.run(Libvirt.start(name) + Libvirt.destroy(name))
        #expect(try await libvirt.state(of: name) == .shutOff)

        // A command libvirt refuses fails for good (repeating sends the same), and the commands
        // after it are not sent.
        do {
            _ = try await libvirt.run(Libvirt.destroy(name) + Libvirt.undefine(name))
            Issue.record("destroying a domain that is off succeeded")
        } catch let failure as LibvirtFailure {
            #expect(failure.isPermanent)
            #expect(failure.description.contains("not running"))
        }
        #expect(try await libvirt.state(of: name) == .shutOff)
        _ = try await libvirt.run(Libvirt.undefine(name))
        #expect(try await libvirt.state(of: name) == nil)
        #expect(try await libvirt.run(["list --all --name"]) == [""])

        // A virsh that died (or was killed at a timeout) is started again: a new connection,
        // on which the test driver starts from its node file.
        libvirt.session.close()
        #expect(try await libvirt.run(["list --all --name"]) == [""])
    }

    @Test func theModuleOpensAServerFromItsPlanAndEveryOperationIsSafeToRepeat() async throws {
        let host = try LibvirtHost()
        defer { host.remove() }
        let module = host.module()
        let service = ProvisioningRequest(
            serviceID: UUID(), number: 10_002, productType: .vps, domainName: "", osImage: "Debian 12",
            resources: [.cpu: 2, .ram: 2048, .disk: 20_480, .traffic: 1024],
            // The login is set through the guest agent (`set-user-password`), which the test
            // driver accepts; a refusal would fail the opening.
            login: ServerLogin(user: "root", password: "Kvm2pass4root"))
        #expect(module.setsLogin)
        #expect(module.supports == [.open, .stop, .start, .reboot, .reinstall, .delete])
        #expect(LibvirtModule.templateVolume(for: "Ubuntu 24.04") == "ubuntu-24.04.qcow2")

        let opened = try await module.perform(.open, on: service, key: "open:1")
        guard case .done(let address?) = opened else {
            Issue.record("opening answered \(opened)")
            return
        }
        #expect(address.hasPrefix("192.168.122."))
        #expect(try await module.state(ofService: 10_002) == .running)
        // What the host holds: the plan's CPUs and RAM, a 20 GiB disk over the Debian template.
        let info = try await module.libvirt.run(["dominfo svc-10002", "vol-dumpxml svc-10002.qcow2 --pool default"])
        #expect(info[0].contains("CPU(s):         2"))
        #expect(info[0].contains("Max memory:     2097152 KiB"))
        #expect(info[1].contains("<capacity unit='bytes'>21474836480</capacity>"))
        #expect(info[1].contains("/var/lib/billing/images/debian-12.qcow2"))
        // The console password is derived, 8 characters, and went into the domain.
        let password = module.consolePassword(forService: 10_002)
        #expect(password.count == 8)
        let xml = try await module.libvirt.run(["dumpxml --security-info svc-10002"])[0]
        #expect(xml.contains(password))
        // The IP-KVM tab gives the port and password the domain's VNC listens with.
        let console = try #require(module.vncConsole(forService: 10_002))
        #expect(console.password == password)
        #expect(xml.contains("port='\(console.port)'"))

        // Opening again (a worker died after the call) changes nothing and answers the same.
        #expect(try await module.perform(.open, on: service, key: "open:1") == opened)

        #expect(try await module.perform(.reboot, on: service, key: "reboot:1") == .done)
        #expect(try await module.state(ofService: 10_002) == .running)
        // A hard reset is libvirt's reset (the power cut and back), not the ACPI reboot.
        // (The session refuses a command virsh does not know; the reset is one it runs.)
        await #expect(throws: LibvirtFailure.self) { _ = try await module.libvirt.run(["resett svc-10002"]) }
        _ = try await module.libvirt.run(Libvirt.reset("svc-10002"))
        let hard = ProvisioningRequest(
            serviceID: service.serviceID, number: service.number, productType: service.productType, domainName: service.domainName,
            osImage: service.osImage, resources: service.resources, hardReset: true)
        #expect(try await module.perform(.reboot, on: hard, key: "reboot:2") == .done)
        #expect(try await module.state(ofService: 10_002) == .running)
        #expect(try await module.perform(.stop, on: service, key: "stop:1") == .done)
        #expect(try await module.state(ofService: 10_002) == .shutOff)
        #expect(try await module.perform(.stop, on: service, key: "stop:1") == .done)
        #expect(try await module.perform(.start, on: service, key: "start:1") == .done)
        #expect(try await module.perform(.start, on: service, key: "start:1") == .done)
        #expect(try await module.state(ofService: 10_002) == .running)

        #expect(try await module.perform(.delete, on: service, key: "delete:1") == .done)
        #expect(try await module.state(ofService: 10_002) == nil)
        #expect(try await module.libvirt.hasVolume("svc-10002.qcow2", pool: "default") == false)
        #expect(try await module.perform(.delete, on: service, key: "delete:1") == .done)
        // A deleted server cannot be started: a permanent failure, not a retry loop.
        guard case .failed(let message, permanent: true) = try await module.perform(.start, on: service, key: "start:2") else {
            Issue.record("starting a deleted server did not fail for good")
            return
        }
        #expect(message.contains("svc-10002"))

        // An OS the pool has no template for fails for good, with the template's name.
        let other = ProvisioningRequest(
            serviceID: UUID(), number: 10_003, productType: .vps, domainName: "", osImage: "Plan 9", resources: [:])
        #expect(
            try await module.perform(.open, on: other, key: "open:2")
                == .failed("the pool default has no template plan-9.qcow2", permanent: true))
        #expect(try await module.state(ofService: 10_003) == nil)
    }
}
