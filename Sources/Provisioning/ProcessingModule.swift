import BillingDomain
import Foundation

/// A processing module that opens, stops, starts and deletes services on a backend (hypervisor,
/// BMC over IPMI, DNS server, control panel). The engine calls it after the money side is
/// committed; what it reports moves the service's status (SVC-7).
public protocol ProcessingModule: Sendable {
    /// The stable name of the module, e.g. `simulated`, `libvirt`, `ipmi`.
    var name: String { get }
    func open(_ service: ProvisioningRequest) async throws -> OpenResult
    func stop(_ service: ProvisioningRequest) async throws
    func start(_ service: ProvisioningRequest) async throws
    func delete(_ service: ProvisioningRequest) async throws
}

/// What a module needs to know about a service.
public struct ProvisioningRequest: Sendable, Hashable {
    public let serviceID: UUID
    public let number: Int
    public let productType: ProductType
    public let domainName: String
    public let osImage: String
    /// Resource amounts by add-on kind (`ram` → 2048).
    public let resources: [AddonKind: Int]

    public init(
        serviceID: UUID, number: Int, productType: ProductType, domainName: String, osImage: String,
        resources: [AddonKind: Int]
    ) {
        self.serviceID = serviceID
        self.number = number
        self.productType = productType
        self.domainName = domainName
        self.osImage = osImage
        self.resources = resources
    }
}

/// How opening ended.
public enum OpenResult: Sendable, Hashable {
    /// Opened; the address the client connects to, if the product has one.
    case opened(ipAddress: String?)
    /// The backend has no resources for this configuration now ("Not available").
    case noResources
}

/// A module that completes every operation at once, for the demo and for tests of the billing
/// side. Servers get addresses from 10.20.0.0/16 by service number, so they are stable.
/// `unavailableTypes` makes opening those product types report no resources.
public struct SimulatedProcessingModule: ProcessingModule {
    public let name = "simulated"
    let unavailableTypes: Set<ProductType>

    public init(unavailableTypes: Set<ProductType> = []) { self.unavailableTypes = unavailableTypes }

    public func open(_ service: ProvisioningRequest) async throws -> OpenResult {
        if unavailableTypes.contains(service.productType) { return .noResources }
        switch service.productType {
        case .vps, .dedicated, .hosting:
            let host = service.number % 65_024 + 256
            return .opened(ipAddress: "10.20.\(host / 256).\(host % 256)")
        case .domain, .ssl, .license, .traffic:
            return .opened(ipAddress: nil)
        }
    }

    public func stop(_ service: ProvisioningRequest) async throws {}
    public func start(_ service: ProvisioningRequest) async throws {}
    public func delete(_ service: ProvisioningRequest) async throws {}
}
