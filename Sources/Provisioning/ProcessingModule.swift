import BillingDomain

/// A processing module that opens, stops, starts and deletes services on a real backend
/// (hypervisor, BMC over IPMI, DNS server, control panel). The protocol grows with the services
/// issue; it exists now so the engine has a port to call.
public protocol ProcessingModule: Sendable {
    /// The stable name of the module, e.g. `simulated`, `libvirt`, `ipmi`.
    var name: String { get }
}
