import Foundation

/// The switch port a dedicated server is cabled to, read over SNMP v2c for the server's traffic
/// (SVC-5). The community is the read-only password of the switch's agent.
public struct SwitchPort: Sendable, Hashable {
    public let host: String
    /// The agent's UDP port (161 on a switch).
    public let port: Int
    public let community: String
    /// The port's `ifIndex` in the switch's IF-MIB.
    public let interfaceIndex: Int

    public init(host: String, port: Int = 161, community: String, interfaceIndex: Int) {
        self.host = host
        self.port = port
        self.community = community
        self.interfaceIndex = interfaceIndex
    }
}

/// Reads a switch port's byte counters as the server's: what the port receives the server sent.
public protocol SwitchPortReader: Sendable {
    func counters(of port: SwitchPort) async throws -> TrafficCounters
}

/// Why a switch port could not be read.
public struct SNMPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

/// Net-SNMP's `snmpget`, as a provider's staff would run it: the 64-bit counters of IF-MIB's
/// ifXTable (`ifHCInOctets`, `ifHCOutOctets`), or the 32-bit ones of ifTable (`ifInOctets`,
/// `ifOutOctets`) on a switch that has no 64-bit ones. Numeric OIDs, so no MIB files are needed.
/// The community goes in a client configuration file of its own (`defCommunity`, mode 0600)
/// named by `SNMPCONFPATH`, never on a command line another user of the machine could read.
public struct SNMPSwitchPortReader: SwitchPortReader {
    let runner: any CommandRunner
    let tool: String
    public var timeout: TimeInterval = 10

    public init(runner: any CommandRunner = ProcessRunner(), tool: String = "/usr/bin/snmpget") {
        self.runner = runner
        self.tool = tool
    }

    static func highCapacity(_ index: Int) -> [String] {
        [".1.3.6.1.2.1.31.1.1.1.6.\(index)", ".1.3.6.1.2.1.31.1.1.1.10.\(index)"]
    }

    static func thirtyTwoBit(_ index: Int) -> [String] {
        [".1.3.6.1.2.1.2.2.1.10.\(index)", ".1.3.6.1.2.1.2.2.1.16.\(index)"]
    }

    public func counters(of port: SwitchPort) async throws -> TrafficCounters {
        if let wide = try await read(Self.highCapacity(port.interfaceIndex), from: port) {
            return TrafficCounters(rxBytes: wide.out, txBytes: wide.in, width: 64)
        }
        if let narrow = try await read(Self.thirtyTwoBit(port.interfaceIndex), from: port) {
            return TrafficCounters(rxBytes: narrow.out, txBytes: narrow.in, width: 32)
        }
        throw SNMPFailure(description: "the switch \(port.host) has no counters for ifIndex \(port.interfaceIndex)")
    }

    /// The port's in and out octets at `oids`; `nil` when the agent has no such objects.
    func read(_ oids: [String], from port: SwitchPort) async throws -> (in: UInt64, out: UInt64)? {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("snmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("snmp.conf")
        // A community is printable text without line breaks (checked when staff enter it).
        guard
            FileManager.default.createFile(
                atPath: file.path, contents: Data("defCommunity \(port.community)\ndefVersion 2c\n".utf8),
                attributes: [.posixPermissions: 0o600])
        else { throw SNMPFailure(description: "the SNMP client configuration could not be written") }
        let arguments = ["-Ln", "-On", "-Oqv", "-t", "2", "-r", "1", "\(port.host):\(port.port)"] + oids
        let result: CommandResult
        do {
            result = try await runner.run(tool, arguments, environment: ["SNMPCONFPATH": directory.path, "MIBS": ""], timeout: timeout)
        } catch {
            throw SNMPFailure(description: "snmpget did not run: \(error)")
        }
        guard result.status == 0 else {
            // SNMP v2c does not answer a wrong community: it looks like a switch that is down.
            let text = (result.error + " " + result.output).trimmingCharacters(in: .whitespacesAndNewlines)
            throw SNMPFailure(description: "the switch \(port.host):\(port.port) did not answer: \(text.prefix(300))")
        }
        let lines = result.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count == 2 else { throw SNMPFailure(description: "the switch \(port.host) answered: \(result.output.prefix(300))") }
        guard let received = UInt64(lines[0]), let sent = UInt64(lines[1]) else {
            if lines.allSatisfy({ $0.hasPrefix("No Such") }) { return nil }
            throw SNMPFailure(description: "the switch \(port.host) answered: \(result.output.prefix(300))")
        }
        return (received, sent)
    }
}
