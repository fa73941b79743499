import BillingDomain
import Foundation

/// Why libvirt did not do what was asked; `isPermanent` tells a job whether to retry.
public struct LibvirtFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public let isPermanent: Bool
}

/// Virtual servers on a libvirt host through `virsh` (SVC-2..SVC-6): a domain defined from the
/// plan's resources on a disk made from an OS image, started, shut down, destroyed, rebooted,
/// undefined; its interface counters for traffic and its VNC display for the IP-KVM link.
///
/// Commands go over one `VirshSession`: one connection to the host for all operations, so what
/// they do is the same on `qemu:///system` and on libvirt's `test:///` driver, whose state lasts
/// as long as its connection. A command libvirt refuses (an `error:` line) stops the run.
public struct Libvirt: Sendable {
    public let session: VirshSession
    public var timeout: TimeInterval = 60
    public var uri: String { session.uri }

    public init(uri: String, tool: String = "/usr/bin/virsh") {
        session = VirshSession(uri: uri, tool: tool)
    }

    /// A virtual server as libvirt is told to make it.
    public struct Domain: Sendable, Hashable {
        /// `svc-<number>`: letters, digits and hyphens only, so it never needs quoting.
        public let name: String
        public let vcpus: Int
        public let memoryMiB: Int
        /// The disk image (a copy of the OS template, made by the host's storage step).
        public let diskPath: String
        public let mac: String
        public let network: String
        /// The console (VNC) port on the host's loopback, and its password.
        public let vncPort: Int
        public let vncPassword: String

        public init(
            name: String, vcpus: Int, memoryMiB: Int, diskPath: String, mac: String, network: String = "default", vncPort: Int,
            vncPassword: String
        ) {
            self.name = name
            self.vcpus = vcpus
            self.memoryMiB = memoryMiB
            self.diskPath = diskPath
            self.mac = mac
            self.network = network
            self.vncPort = vncPort
            self.vncPassword = vncPassword
        }

        /// The domain's name for a service: `svc-10001`.
        public static func name(forService number: Int) -> String { "svc-\(number)" }

        /// A locally administered MAC address derived from the service number (stable across
        /// retries, so a second define of the same service changes nothing).
        public static func mac(forService number: Int) -> String {
            let bytes = [0x52, 0x54, 0x00, (number >> 16) & 0xFF, (number >> 8) & 0xFF, number & 0xFF]
            return bytes.map { String(format: "%02x", $0) }.joined(separator: ":")
        }

        /// libvirt's domain XML; every value escaped.
        public func xml(type: String) -> String {
            func esc(_ text: String) -> String {
                text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            }
            return """
                <domain type="\(esc(type))">
                  <name>\(esc(name))</name>
                  <memory unit="MiB">\(memoryMiB)</memory>
                  <vcpu>\(vcpus)</vcpu>
                  <os><type arch="x86_64">hvm</type><boot dev="hd"/></os>
                  <devices>
                    <disk type="file" device="disk"><driver name="qemu" type="qcow2"/><source file="\(esc(diskPath))"/><target dev="vda" bus="virtio"/></disk>
                    <interface type="network"><source network="\(esc(network))"/><mac address="\(esc(mac))"/><model type="virtio"/></interface>
                    <graphics type="vnc" port="\(vncPort)" autoport="no" listen="127.0.0.1" passwd="\(esc(vncPassword))"/>
                  </devices>
                </domain>
                """
        }
    }

    public enum State: String, Sendable {
        case running
        case shutOff = "shut off"
        case paused
        case other
    }

    // MARK: Batches of commands

    static func checked(_ name: String) -> String {
        precondition(!name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }, "a domain name")
        return name
    }

    /// Defines the domain from its XML file and starts it.
    public static func open(_ domain: Domain, xmlFile: String) -> [String] {
        ["define \(xmlFile)", "start \(checked(domain.name))"]
    }

    public static func start(_ name: String) -> [String] { ["start \(checked(name))"] }
    /// Asks the guest to shut down (ACPI); `destroy` pulls the plug.
    public static func shutdown(_ name: String) -> [String] { ["shutdown \(checked(name))"] }
    public static func destroy(_ name: String) -> [String] { ["destroy \(checked(name))"] }
    public static func reboot(_ name: String) -> [String] { ["reboot \(checked(name))"] }
    /// The power cut and back at once, for a guest that does not answer ACPI.
    public static func reset(_ name: String) -> [String] { ["reset \(checked(name))"] }
    /// The user's password through the guest agent; written to the session, never to a command
    /// line, and a refusal names only the command. Users and passwords are letters and digits.
    public static func setPassword(_ name: String, user: String, password: String) -> [String] {
        precondition(
            (user + password).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }, "a login is letters and digits only")
        return ["set-user-password \(checked(name)) \(user) \(password)"]
    }
    /// Removes the domain's definition (a running domain is destroyed first by the caller).
    public static func undefine(_ name: String) -> [String] { ["undefine \(checked(name))"] }
    public static func state(_ name: String) -> [String] { ["domstate \(checked(name))"] }
    public static func counters(_ name: String, mac: String) -> [String] {
        precondition(mac.allSatisfy { $0.isHexDigit || $0 == ":" }, "a MAC address")
        return ["domifstat \(checked(name)) \(mac)"]
    }
    public static func console(_ name: String) -> [String] { ["vncdisplay \(checked(name))"] }

    /// Makes the domain's disk: a qcow2 volume of `sizeMiB` in `pool` over the OS template
    /// volume `template` (a copy-on-write overlay, so opening takes seconds, not a full copy).
    public static func createDisk(_ volume: String, pool: String, sizeMiB: Int, template: String) -> [String] {
        [
            "vol-create-as \(checked(pool)) \(checkedVolume(volume)) \(sizeMiB)M --format qcow2 --backing-vol \(checkedVolume(template)) --backing-vol-format qcow2"
        ]
    }
    public static func deleteDisk(_ volume: String, pool: String) -> [String] {
        ["vol-delete \(checkedVolume(volume)) --pool \(checked(pool))"]
    }
    public static func diskPath(_ volume: String, pool: String) -> [String] {
        ["vol-path \(checkedVolume(volume)) --pool \(checked(pool))"]
    }
    public static func addresses(_ name: String) -> [String] { ["domifaddr \(checked(name))"] }

    static func checkedVolume(_ name: String) -> String {
        precondition(
            !name.isEmpty && !name.hasPrefix("-") && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) },
            "a volume name")
        return name
    }

    /// Runs the commands over the session's connection and answers each command's output.
    public func run(_ commands: [String]) async throws -> [String] {
        try await session.run(commands, timeout: timeout)
    }

    /// The domain's state, or `nil` when the host has no domain of that name.
    public func state(of name: String) async throws -> State? {
        do {
            return Self.parseState(try await run(Self.state(name))[0])
        } catch let failure as LibvirtFailure where failure.isPermanent && failure.description.contains("failed to get domain") {
            return nil
        }
    }

    /// Whether the pool holds the volume.
    public func hasVolume(_ volume: String, pool: String) async throws -> Bool {
        do {
            _ = try await run(Self.diskPath(volume, pool: pool))
            return true
        } catch let failure as LibvirtFailure where failure.isPermanent && failure.description.contains("failed to get vol") {
            return false
        }
    }

    // MARK: Reading virsh's answers

    public static func parseState(_ output: String) -> State {
        State(rawValue: output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .other
    }

    /// Interface counters since the domain started (they restart with it; the traffic collector
    /// takes the difference and treats a smaller number as a restart).
    public static func parseCounters(_ output: String) -> TrafficCounters? {
        var values: [String: UInt64] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 3, let value = UInt64(parts[2]) { values[String(parts[1])] = value }
        }
        guard let rx = values["rx_bytes"], let tx = values["tx_bytes"] else { return nil }
        return TrafficCounters(rxBytes: rx, txBytes: tx)
    }

    /// The first IPv4 address of `domifaddr`'s table (`vnet0 52:54:… ipv4 192.0.2.7/24`).
    public static func parseAddress(_ output: String) -> String? {
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count >= 4, parts[2] == "ipv4" { return String(parts[3].split(separator: "/")[0]) }
        }
        return nil
    }

    /// `127.0.0.1:1` → 5901.
    public static func parseVNCPort(_ output: String) -> Int? {
        guard let display = output.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else { return nil }
        return 5900 + display
    }
}
