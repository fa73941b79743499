import BillingDomain
import Foundation

/// Where the reverse DNS (PTR records) of the provider's addresses is written (SVC-4). A job
/// calls it, never a request; setting the same name twice leaves one record.
public protocol ReverseDNSWriter: Sendable {
    /// `powerdns`, `simulated`.
    var name: String { get }
    /// Points `address` back at `host`; `nil` removes its record.
    func setReverse(_ address: IPAddress, to host: HostName?) async throws
    /// The name the address points back at now, as the DNS server holds it.
    func reverse(of address: IPAddress) async throws -> HostName?
}

/// PowerDNS's HTTP API, with the name servers new reverse zones are created with.
public struct PowerDNSReverse: ReverseDNSWriter {
    public let name = "powerdns"
    public let server: PowerDNS
    public let nameServers: [HostName]

    public init(server: PowerDNS, nameServers: [HostName]) {
        self.server = server
        self.nameServers = nameServers
    }

    public func setReverse(_ address: IPAddress, to host: HostName?) async throws {
        try await server.setReverse(address, to: host, nameServers: nameServers)
    }

    public func reverse(of address: IPAddress) async throws -> HostName? { try await server.reverse(of: address) }
}

/// Records kept in memory, for the demo on the simulated module (no DNS server to run).
public final class SimulatedReverseDNS: ReverseDNSWriter, @unchecked Sendable {
    public let name = "simulated"
    private let lock = NSLock()
    private var records: [IPAddress: HostName] = [:]

    public init() {}

    public func setReverse(_ address: IPAddress, to host: HostName?) async throws {
        lock.withLock { records[address] = host }
    }

    public func reverse(of address: IPAddress) async throws -> HostName? { lock.withLock { records[address] } }
}

/// What the client area shows on a server's Network tab besides its addresses.
public struct NetworkDetails: Sendable, Hashable {
    public let netmask: String?
    public let gateway: String?
    public let mac: String?

    public init(netmask: String?, gateway: String?, mac: String?) {
        self.netmask = netmask
        self.gateway = gateway
        self.mac = mac
    }
}
