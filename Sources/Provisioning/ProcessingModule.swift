import BillingDomain
import Foundation

/// A processing module that opens, stops, starts and deletes services on a backend (hypervisor,
/// BMC over IPMI, DNS server, control panel). The engine never calls it inside a request or a
/// payment: every operation is a job of the queue, run after the change it follows committed,
/// and the job's idempotency key is handed in, so a module that is called again with the same
/// key (a worker died after the call) does the work once (SVC-7).
public protocol ProcessingModule: Sendable {
    /// The stable name of the module, e.g. `simulated`, `libvirt`, `ipmi`.
    var name: String { get }
    /// The operations this module can carry out; the others are refused before a job is made.
    var supports: Set<ProvisioningOperation> { get }
    /// Carries out one operation. A thrown error counts as a failure that may pass (the job is
    /// retried on its ladder), like `.failed(_, permanent: false)`.
    func perform(_ operation: ProvisioningOperation, on service: ProvisioningRequest, key: String) async throws -> ModuleAnswer
    /// The netmask, gateway and MAC address of a server the module opened, as far as it knows
    /// them without asking the backend (the Network tab reads them on every view).
    func networkDetails(forService number: Int) -> NetworkDetails?
    /// Whether each service takes a server of the provider's pool (dedicated servers): the
    /// engine hands one out at opening, passes it in `ProvisioningRequest.hardware` and takes it
    /// back at deletion.
    var usesServerPool: Bool { get }
    /// The server's interface counters now (`nil`: the module does not count traffic, or the
    /// server is not running). Read by the traffic collector every few minutes.
    func trafficCounters(forService number: Int, at now: Date) async throws -> TrafficCounters?
    /// How the client reaches the server's console; `nil`: the module offers none.
    var console: ConsoleKind? { get }
    /// A VPS's VNC console (`console == .vnc`), without asking the backend.
    func vncConsole(forService number: Int) -> VNCConsole?
    /// Adds (or gives a new password to) the temporary BMC user of the service's server
    /// (`console == .bmc`). Called again with the same user, it leaves the same result.
    func grantConsole(_ login: ServerLogin, on service: ProvisioningRequest) async throws -> ModuleAnswer
    /// Removes the temporary BMC user; removing one that is gone changes nothing.
    func revokeConsole(_ login: ServerLogin, on service: ProvisioningRequest) async throws -> ModuleAnswer
    /// Whether opening and reinstalling set the login the engine hands in
    /// (`ProvisioningRequest.login`), so the client area may show it.
    var setsLogin: Bool { get }
}

extension ProcessingModule {
    public var supports: Set<ProvisioningOperation> { Set(ProvisioningOperation.allCases) }
    public var usesServerPool: Bool { false }
    public func trafficCounters(forService number: Int, at now: Date) async throws -> TrafficCounters? { nil }
    public func networkDetails(forService number: Int) -> NetworkDetails? { nil }
    public var console: ConsoleKind? { nil }
    public var setsLogin: Bool { false }
    public func vncConsole(forService number: Int) -> VNCConsole? { nil }
    public func grantConsole(_ login: ServerLogin, on service: ProvisioningRequest) async throws -> ModuleAnswer {
        .failed("the module \(name) has no console users", permanent: true)
    }
    public func revokeConsole(_ login: ServerLogin, on service: ProvisioningRequest) async throws -> ModuleAnswer {
        .failed("the module \(name) has no console users", permanent: true)
    }
}

/// What a module can be asked to do to a service.
public enum ProvisioningOperation: String, Sendable, Codable, CaseIterable, Hashable {
    case open, stop, start, reboot, reinstall, delete
}

/// How an operation ended, as the module reports it.
public enum ModuleAnswer: Sendable, Hashable {
    /// Done; for `open`, the address the client connects to, if the product has one.
    case done(ipAddress: String?)
    /// Opening found no resources for this configuration now ("Not available").
    case noResources
    /// Started and still running on the backend: ask again after `seconds`.
    case pending(seconds: Int)
    /// Failed. A permanent failure is not retried; another is, on the job's ladder.
    case failed(String, permanent: Bool)

    public static let done = ModuleAnswer.done(ipAddress: nil)
}

/// What a module needs to know about a service.
public struct ProvisioningRequest: Sendable, Hashable, Codable {
    public let serviceID: UUID
    public let number: Int
    public let productType: ProductType
    public let domainName: String
    public let osImage: String
    /// Resource amounts by add-on kind (`ram` → 2048).
    public let resources: [AddonKind: Int]
    /// The dedicated server of the provider's pool the service runs on, with its BMC; `nil` for
    /// services on shared hosts. Never encoded: it holds the BMC's password.
    public let hardware: Hardware?
    /// The login to set at opening and reinstall, for modules that `setsLogin`. Never encoded.
    public let login: ServerLogin?
    /// A reboot that cuts the power instead of asking the system (a hung server).
    public let hardReset: Bool

    /// One physical server: its BMC and the address it answers on.
    public struct Hardware: Sendable, Hashable {
        public let name: String
        public let bmc: BMCAddress
        public let address: String

        public init(name: String, bmc: BMCAddress, address: String) {
            self.name = name
            self.bmc = bmc
            self.address = address
        }
    }

    enum CodingKeys: String, CodingKey { case serviceID, number, productType, domainName, osImage, resources }

    public init(
        serviceID: UUID, number: Int, productType: ProductType, domainName: String, osImage: String,
        resources: [AddonKind: Int], hardware: Hardware? = nil, login: ServerLogin? = nil, hardReset: Bool = false
    ) {
        self.hardReset = hardReset
        self.login = login
        self.serviceID = serviceID
        self.number = number
        self.productType = productType
        self.domainName = domainName
        self.osImage = osImage
        self.resources = resources
        self.hardware = hardware
    }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            serviceID: try values.decode(UUID.self, forKey: .serviceID), number: try values.decode(Int.self, forKey: .number),
            productType: try values.decode(ProductType.self, forKey: .productType),
            domainName: try values.decode(String.self, forKey: .domainName), osImage: try values.decode(String.self, forKey: .osImage),
            resources: try values.decode([AddonKind: Int].self, forKey: .resources))
    }
}

/// The processing modules of this installation by name, with the one that serves plans that
/// name none (as `PaymentGateways` does for gateways).
public struct ProcessingModules: Sendable {
    let modules: [String: any ProcessingModule]
    public let defaultName: String
    /// Where the servers' reverse DNS is written; `nil`: clients cannot set it here.
    public let reverseDNS: (any ReverseDNSWriter)?
    /// Reads the switch ports of the pool's dedicated servers for their traffic (SNMP).
    public let switchPorts: any SwitchPortReader

    public init(
        _ modules: [any ProcessingModule], default defaultName: String? = nil, reverseDNS: (any ReverseDNSWriter)? = nil,
        switchPorts: any SwitchPortReader = SNMPSwitchPortReader()
    ) {
        precondition(!modules.isEmpty, "an installation has at least one processing module")
        self.modules = Dictionary(modules.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        self.defaultName = defaultName ?? modules[0].name
        self.reverseDNS = reverseDNS
        self.switchPorts = switchPorts
    }

    /// One module: the simulated one, for the demo and the billing side's tests, with reverse
    /// DNS kept in memory.
    public static let simulated = ProcessingModules([SimulatedProcessingModule()], reverseDNS: SimulatedReverseDNS())

    /// The module named `name`, or the default one for `nil` or an empty name; `nil` for a name
    /// this installation does not have.
    public func module(named name: String?) -> (any ProcessingModule)? {
        guard let name, !name.isEmpty else { return modules[defaultName] }
        return modules[name]
    }

    public var names: [String] { modules.keys.sorted() }
}

/// A module that completes every operation at once, for the demo and for tests of the billing
/// side. Servers get addresses from 10.20.0.0/16 by service number, so they are stable.
/// `unavailableTypes` makes opening those product types report no resources.
public struct SimulatedProcessingModule: ProcessingModule {
    public let name = "simulated"
    let unavailableTypes: Set<ProductType>

    public init(unavailableTypes: Set<ProductType> = []) { self.unavailableTypes = unavailableTypes }

    public func networkDetails(forService number: Int) -> NetworkDetails? {
        NetworkDetails(netmask: "255.255.0.0", gateway: "10.20.0.1", mac: Libvirt.Domain.mac(forService: number))
    }

    /// The demo's servers have a console on a host of the simulated network, as a VPS host's.
    public var console: ConsoleKind? { .vnc }
    public var setsLogin: Bool { true }
    public func vncConsole(forService number: Int) -> VNCConsole? {
        VNCConsole(
            host: "10.20.0.2", port: LibvirtModule.consolePort(forService: number),
            password: VNCConsole.password(forDomain: Libvirt.Domain.name(forService: number), key: "simulated"))
    }

    /// Counters that grow by a daily pattern of the service's own (quiet at night, busy in the
    /// evening), the same for the same moment, so the demo's charts look like a server's.
    public func trafficCounters(forService number: Int, at now: Date) async throws -> TrafficCounters? {
        TrafficCounters.simulated(forService: number, at: now)
    }

    public func perform(_ operation: ProvisioningOperation, on service: ProvisioningRequest, key: String) async throws -> ModuleAnswer {
        guard operation == .open else { return .done }
        if unavailableTypes.contains(service.productType) { return .noResources }
        switch service.productType {
        case .vps, .dedicated, .hosting:
            let host = service.number % 65_024 + 256
            return .done(ipAddress: "10.20.\(host / 256).\(host % 256)")
        case .domain, .ssl, .license, .traffic:
            return .done(ipAddress: nil)
        }
    }
}
