import Foundation
import Provisioning

/// A libvirt host of our own for libvirt's `test:///` driver: a node file with 8 CPUs, 32 GiB,
/// a storage pool holding two OS templates (`debian-12.qcow2`, `ubuntu-24.04.qcow2`) and a
/// network. In CI the suites run whether or not virsh is there (a missing virsh fails them).
public struct LibvirtHost: Sendable {
    public static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/virsh") || ProcessInfo.processInfo.environment["CI"] != nil
    }

    public let folder: URL
    public var uri: String { "test://" + folder.appendingPathComponent("node.xml").path }

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("libvirt-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let template = { (name: String) in
            #"<volume type="file"><name>\#(name)</name><capacity unit="GiB">2</capacity><target><format type="qcow2"/></target></volume>"#
        }
        let node = """
            <node>
              <cpu><mhz>2600</mhz><model>x86_64</model><active>8</active><nodes>1</nodes><sockets>1</sockets><cores>8</cores><threads>1</threads></cpu>
              <memory>33554432</memory>
              <pool type="dir"><name>default</name><target><path>/var/lib/billing/images</path></target>\(template("debian-12.qcow2"))\(template("ubuntu-24.04.qcow2"))</pool>
              <network><name>default</name><bridge name="virbr0"/><forward/><ip address="192.168.122.1" netmask="255.255.255.0"/></network>
            </node>
            """
        try Data(node.utf8).write(to: folder.appendingPathComponent("node.xml"))
    }

    /// The libvirt module on this host, as an installation would configure it.
    public func module(name: String = "libvirt") -> LibvirtModule {
        LibvirtModule(
            name: name,
            configuration: .init(
                uri: uri, domainType: "test", workFolder: folder.appendingPathComponent("domains"), consoleKey: "console-key-for-tests"))
    }

    public func remove() { try? FileManager.default.removeItem(at: folder) }
}
