import BillingDomain
import Foundation

/// Dedicated servers through their BMCs (SVC-2..SVC-4): each service takes a server of the
/// provider's pool, which the engine hands out; opening powers it on to boot from the network
/// (the provider's PXE installs the chosen OS), stopping powers it off, starting powers it on,
/// rebooting power-cycles it, deleting powers it off before it goes back to the pool.
///
/// Every operation first reads the chassis power state, so an operation repeated after a worker
/// died does nothing twice: a server already off is not switched off again.
public struct IPMIModule: ProcessingModule {
    public let name: String
    let runner: any CommandRunner
    let tool: String
    /// The BMC user slot the clients' IP-KVM users take; the provider keeps it free on every
    /// server of the pool (the platform's own user is in another).
    public let consoleSlot: Int

    public init(
        name: String = "ipmi", runner: any CommandRunner = ProcessRunner(), tool: String = "/usr/bin/ipmitool", consoleSlot: Int = 5
    ) {
        self.name = name
        self.runner = runner
        self.tool = tool
        self.consoleSlot = consoleSlot
    }

    public var console: ConsoleKind? { .bmc }

    public func grantConsole(_ login: ServerLogin, on service: ProvisioningRequest) async throws -> ModuleAnswer {
        guard let hardware = service.hardware else { return .failed("the service has no server of the pool", permanent: true) }
        do {
            try await IPMI(bmc: hardware.bmc, runner: runner, tool: tool).addUser(
                slot: consoleSlot, name: login.user, password: login.password)
            return .done
        } catch let failure as IPMIFailure {
            return .failed(failure.description, permanent: failure.isPermanent)
        }
    }

    public func revokeConsole(_ login: ServerLogin, on service: ProvisioningRequest) async throws -> ModuleAnswer {
        guard let hardware = service.hardware else { return .done }
        do {
            try await IPMI(bmc: hardware.bmc, runner: runner, tool: tool).removeUser(slot: consoleSlot)
            return .done
        } catch let failure as IPMIFailure {
            return .failed(failure.description, permanent: failure.isPermanent)
        }
    }

    public var supports: Set<ProvisioningOperation> { [.open, .stop, .start, .reboot, .reinstall, .delete] }
    public var usesServerPool: Bool { true }

    public func perform(_ operation: ProvisioningOperation, on service: ProvisioningRequest, key: String) async throws -> ModuleAnswer {
        guard let hardware = service.hardware else {
            // Opening without a free server in the pool: "Not available" until staff add one.
            return operation == .open ? .noResources : .failed("the service has no server of the pool", permanent: true)
        }
        let ipmi = IPMI(bmc: hardware.bmc, runner: runner, tool: tool)
        do {
            let state = try await ipmi.powerState()
            switch operation {
            case .open, .reinstall:
                // The next boot installs the OS from the network (the provider's PXE serves the
                // chosen one); later boots are from disk.
                try await ipmi.bootFromNetwork()
                try await ipmi.power(state == .on ? .cycle : .on)
                return .done(ipAddress: operation == .open ? hardware.address : nil)
            case .start:
                if state == .off { try await ipmi.power(.on) }
            case .stop, .delete:
                if state == .on { try await ipmi.power(.off) }
            case .reboot:
                try await ipmi.power(state == .on ? .cycle : .on)
            }
            return .done(ipAddress: nil)
        } catch let failure as IPMIFailure {
            return .failed(failure.description, permanent: failure.isPermanent)
        }
    }
}
