import BillingDomain
import Foundation

/// Why libvirt did not do what was asked; `isPermanent` tells a job whether to retry.
public struct LibvirtFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public let isPermanent: Bool
}

/// Virtual servers on a libvirt host through `virsh` (SVC-2..SVC-6): a domain defined from the
/// plan's resources and an OS image, started, shut down, destroyed, rebooted, undefined; its
/// interface counters for traffic and its VNC display for the IP-KVM link.
///
/// Work is sent as a batch of virsh commands over one connection (`virsh -c URI "a; b; c"`):
/// an operation is one batch, so what it does is the same on `qemu:///system` and on libvirt's
/// `test:///` driver, whose state lasts one connection (the tests chain an operation and the
/// check of its effect). virsh reports a failed command on stderr and goes on; any `error:` line
/// fails the batch.
public struct Libvirt: Sendable {
    public let uri: String
    let runner: any CommandRunner
    let tool: String
    public var timeout: TimeInterval = 60

    public init(uri: String, runner: any CommandRunner = ProcessRunner(), tool: String = "/usr/bin/virsh") {
        self.uri = uri
        self.runner = runner
        self.tool = tool
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

    /// Interface counters since the domain started (they reset when it restarts; the traffic
    /// collector takes the difference and treats a smaller number as a reset).
    public struct Counters: Sendable, Equatable {
        public let rxBytes: UInt64
        public let txBytes: UInt64
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
    /// Removes the domain's definition (a running domain is destroyed first by the caller).
    public static func undefine(_ name: String) -> [String] { ["undefine \(checked(name))"] }
    public static func state(_ name: String) -> [String] { ["domstate \(checked(name))"] }
    public static func counters(_ name: String, mac: String) -> [String] {
        precondition(mac.allSatisfy { $0.isHexDigit || $0 == ":" }, "a MAC address")
        return ["domifstat \(checked(name)) \(mac)"]
    }
    public static func console(_ name: String) -> [String] { ["vncdisplay \(checked(name))"] }

    /// Runs the commands over one connection and answers each command's output, in order.
    public func run(_ commands: [String]) async throws -> [String] {
        let marker = "@@billing-next@@"
        // `echo` between commands splits the output per command.
        let script = commands.joined(separator: "; echo \(marker); ") + "; echo \(marker)"
        let result: CommandResult
        do {
            result = try await runner.run(tool, ["-q", "-c", uri, script], environment: [:], timeout: timeout)
        } catch {
            throw LibvirtFailure(description: "virsh did not run: \(error)", isPermanent: false)
        }
        let errors = result.error.split(separator: "\n").filter { $0.hasPrefix("error:") }
        guard errors.isEmpty, result.status == 0 else {
            let text = errors.joined(separator: " ")
            // The host not answering may pass; a command libvirt refused (an unknown domain, a
            // state that does not allow it) gets the same answer when repeated.
            let transient = ["Failed to connect", "unable to connect", "Cannot recv data", "End of file while reading"].contains {
                text.localizedCaseInsensitiveContains($0)
            }
            throw LibvirtFailure(description: "libvirt (\(uri)) refused: \(text.isEmpty ? result.error : text)", isPermanent: !transient)
        }
        // virsh's echo ends without a newline: the marker alone separates the outputs.
        var parts = result.output.components(separatedBy: marker)
        if !parts.isEmpty { parts.removeLast() }
        return parts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    // MARK: Reading virsh's answers

    public static func parseState(_ output: String) -> State {
        State(rawValue: output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .other
    }

    public static func parseCounters(_ output: String) -> Counters? {
        var values: [String: UInt64] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 3, let value = UInt64(parts[2]) { values[String(parts[1])] = value }
        }
        guard let rx = values["rx_bytes"], let tx = values["tx_bytes"] else { return nil }
        return Counters(rxBytes: rx, txBytes: tx)
    }

    /// `127.0.0.1:1` → 5901.
    public static func parseVNCPort(_ output: String) -> Int? {
        guard let display = output.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else { return nil }
        return 5900 + display
    }
}
