import BillingDomain
import Foundation
import Provisioning
import Testing

/// The libvirt driver against libvirt's own `test:///` driver (Debian's libvirt-clients) with a
/// host described by a node file of ours: a virtual server defined from a plan's resources,
/// started, rebooted, shut down, destroyed and undefined, its counters and console read back.
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

        // One connection per batch, as with a real host: open, then read what libvirt holds.
        let opened = try await libvirt.run(
            Libvirt.open(domain, xmlFile: xml.path) + ["dominfo \(name)"] + Libvirt.state(name) + Libvirt.counters(name, mac: domain.mac)
                + Libvirt.console(name) + ["dumpxml --security-info \(name)"])
        #expect(opened.count == 7)
        #expect(opened[2].contains("CPU(s):         2"))
        #expect(opened[2].contains("Max memory:     2097152 KiB"))
        #expect(Libvirt.parseState(opened[3]) == .running)
        let counters = try #require(Libvirt.parseCounters(opened[4]))
        #expect(counters.rxBytes > 0 && counters.txBytes > 0)
        #expect(Libvirt.parseVNCPort(opened[5]) == 5901)
        // The password went into the XML escaped, and comes back as it was given.
        #expect(opened[6].contains(#"passwd='kvm&lt;&amp;&gt;pass'"#) || opened[6].contains(#"passwd="kvm&lt;&amp;&gt;pass""#))

        let cycled = try await libvirt.run(
            Libvirt.open(domain, xmlFile: xml.path) + Libvirt.reboot(name) + Libvirt.state(name) + Libvirt.shutdown(name)
                + Libvirt.state(name) + Libvirt.start(name) + Libvirt.destroy(name) + Libvirt.state(name) + Libvirt.undefine(name)
                + ["list --all --name"])
        #expect(Libvirt.parseState(cycled[3]) == .running)
        #expect(Libvirt.parseState(cycled[5]) == .shutOff)
        #expect(Libvirt.parseState(cycled[8]) == .shutOff)
        #expect(cycled[10].isEmpty)

        // A command libvirt refuses fails the batch for good (repeating sends the same).
        do {
            _ = try await libvirt.run(Libvirt.start("svc-99999"))
            Issue.record("starting an unknown domain succeeded")
        } catch let failure as LibvirtFailure {
            #expect(failure.isPermanent)
            #expect(failure.description.contains("svc-99999"))
        }
        // So does a command refused in the middle of a batch.
        await #expect(throws: LibvirtFailure.self) {
            _ = try await libvirt.run(Libvirt.open(domain, xmlFile: xml.path) + Libvirt.destroy(name) + Libvirt.destroy(name))
        }
    }
}

/// A libvirt host of our own for the test driver: a node file with 8 CPUs, 32 GiB, a storage
/// pool and a network. In CI the suite runs whether or not virsh is there (a missing virsh fails).
struct LibvirtHost {
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/virsh") || ProcessInfo.processInfo.environment["CI"] != nil
    }

    let folder: URL
    var uri: String { "test://" + folder.appendingPathComponent("node.xml").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("libvirt-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let node = """
            <node>
              <cpu><mhz>2600</mhz><model>x86_64</model><active>8</active><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads></cpu>
              <memory>33554432</memory>
              <pool type="dir"><name>default</name><target><path>/var/lib/billing/images</path></target></pool>
              <network><name>default</name><bridge name="virbr0"/><forward/><ip address="192.168.122.1" netmask="255.255.255.0"/></network>
            </node>
            """
        try Data(node.utf8).write(to: folder.appendingPathComponent("node.xml"))
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}
