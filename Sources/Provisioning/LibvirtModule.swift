import BillingDomain
import Foundation

/// The processing module of VPS plans on one libvirt host (SVC-2..SVC-4): opening makes the
/// disk over the chosen OS template, defines the domain from the plan's resources and starts
/// it; stop, start, reboot and delete act on that domain.
///
/// Every operation first reads what the host holds and does only what is missing, so a job run
/// again after a worker died (or a host that answered late) changes nothing twice: opening a
/// domain that already runs only reads its address back.
public struct LibvirtModule: ProcessingModule {
    public struct Configuration: Sendable {
        /// `qemu+ssh://root@host/system`, `qemu:///system`, or a `test:///` node file.
        public var uri: String
        /// The domain type in the XML: `kvm` on a real host, `test` for libvirt's test driver.
        public var domainType: String
        /// The storage pool that holds the OS templates (`debian-12.qcow2`) and the disks.
        public var pool: String
        /// The libvirt network the servers' interfaces join.
        public var network: String
        /// Where the domain XML files are written before `define`.
        public var workFolder: URL
        /// The key the console (VNC) passwords are derived from; never shown, never logged.
        public var consoleKey: String
        /// The servers' netmask and gateway on that network, shown to clients.
        public var netmask: String?
        public var gateway: String?
        /// The host name clients open the VNC console on, when it is not the URI's host.
        public var consoleHost: String?

        public init(
            uri: String, domainType: String = "kvm", pool: String = "default", network: String = "default", workFolder: URL,
            consoleKey: String, netmask: String? = nil, gateway: String? = nil, consoleHost: String? = nil
        ) {
            self.consoleHost = consoleHost
            self.netmask = netmask
            self.gateway = gateway
            self.uri = uri
            self.domainType = domainType
            self.pool = pool
            self.network = network
            self.workFolder = workFolder
            self.consoleKey = consoleKey
        }
    }

    public let name: String
    public let configuration: Configuration
    public let libvirt: Libvirt

    public var supports: Set<ProvisioningOperation> { [.open, .stop, .start, .reboot, .reinstall, .delete] }

    public init(name: String = "libvirt", configuration: Configuration) {
        self.name = name
        self.configuration = configuration
        libvirt = Libvirt(uri: configuration.uri)
    }

    /// The OS template volume for an image name as the plan lists it: `Debian 12` →
    /// `debian-12.qcow2`.
    public static func templateVolume(for osImage: String) -> String? {
        let slug = osImage.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") ? $0 : "-" }
        let name = String(slug).split(separator: "-").joined(separator: "-")
        return name.isEmpty ? nil : name + ".qcow2"
    }

    public static func diskVolume(forService number: Int) -> String { "\(Libvirt.Domain.name(forService: number)).qcow2" }

    /// The domain a service is made as: its resources from the plan (RAM and disk in MiB).
    public func domain(for service: ProvisioningRequest, diskPath: String) -> Libvirt.Domain {
        Libvirt.Domain(
            name: Libvirt.Domain.name(forService: service.number), vcpus: max(1, service.resources[.cpu] ?? 1),
            memoryMiB: max(128, service.resources[.ram] ?? 1024), diskPath: diskPath, mac: Libvirt.Domain.mac(forService: service.number),
            network: configuration.network, vncPort: Self.consolePort(forService: service.number),
            vncPassword: consolePassword(forService: service.number))
    }

    /// The console port on the host: 5900 + the service number modulo 10 000, stable for the
    /// service's life, distinct for the services one host carries.
    public static func consolePort(forService number: Int) -> Int { 5900 + number % 10_000 }

    public func consolePassword(forService number: Int) -> String {
        VNCConsole.password(forDomain: Libvirt.Domain.name(forService: number), key: configuration.consoleKey)
    }

    public var console: ConsoleKind? { .vnc }
    /// Through the guest agent (`virsh set-user-password`): the OS templates carry
    /// qemu-guest-agent. Until the agent answers after a boot the job fails and is retried.
    public var setsLogin: Bool { true }

    /// The console listens on the host: its name for clients from the configuration, else the
    /// host of a remote URI (`qemu+ssh://root@kvm1.example.net/system`), else this machine.
    public func vncConsole(forService number: Int) -> VNCConsole? {
        let host = configuration.consoleHost ?? URLComponents(string: configuration.uri)?.host.flatMap { $0.isEmpty ? nil : $0 }
        return VNCConsole(
            host: host ?? "127.0.0.1", port: Self.consolePort(forService: number), password: consolePassword(forService: number))
    }

    public func networkDetails(forService number: Int) -> NetworkDetails? {
        NetworkDetails(netmask: configuration.netmask, gateway: configuration.gateway, mac: Libvirt.Domain.mac(forService: number))
    }

    /// What the host holds for the service: its domain's state, `nil` when there is none.
    /// The domain's interface counters since it started (they restart with it); `nil` while it
    /// is not running or not defined.
    public func trafficCounters(forService number: Int, at now: Date) async throws -> TrafficCounters? {
        let name = Libvirt.Domain.name(forService: number)
        guard try await libvirt.state(of: name) == .running else { return nil }
        let output = try await libvirt.run(Libvirt.counters(name, mac: Libvirt.Domain.mac(forService: number)))
        return output.first.flatMap(Libvirt.parseCounters)
    }

    public func state(ofService number: Int) async throws -> Libvirt.State? {
        try await libvirt.state(of: Libvirt.Domain.name(forService: number))
    }

    public func perform(_ operation: ProvisioningOperation, on service: ProvisioningRequest, key: String) async throws -> ModuleAnswer {
        let name = Libvirt.Domain.name(forService: service.number)
        do {
            let state = try await libvirt.state(of: name)
            switch operation {
            case .open: return try await open(service, name: name, state: state)
            case .stop:
                guard let state else { return .failed("the host has no domain \(name)", permanent: true) }
                // The billing's stop (expiry, the client's power off) is the power cut: a
                // guest that ignores ACPI must not run on unpaid.
                if state != .shutOff { _ = try await libvirt.run(Libvirt.destroy(name)) }
                return try await expect(.shutOff, name)
            case .start:
                guard let state else { return .failed("the host has no domain \(name)", permanent: true) }
                if state != .running { _ = try await libvirt.run(Libvirt.start(name)) }
                return try await expect(.running, name)
            case .reboot:
                guard let state else { return .failed("the host has no domain \(name)", permanent: true) }
                // A hung guest ignores the ACPI reboot: a hard reset cuts its power and back.
                let command = service.hardReset ? Libvirt.reset(name) : Libvirt.reboot(name)
                _ = try await libvirt.run(state == .running ? command : Libvirt.start(name))
                return try await expect(.running, name)
            case .reinstall:
                guard let state else { return .failed("the host has no domain \(name)", permanent: true) }
                return try await reinstall(service, name: name, state: state, key: key)
            case .delete:
                if let state {
                    if state != .shutOff { _ = try await libvirt.run(Libvirt.destroy(name)) }
                    _ = try await libvirt.run(Libvirt.undefine(name))
                }
                let disk = Self.diskVolume(forService: service.number)
                if try await libvirt.hasVolume(disk, pool: configuration.pool) {
                    _ = try await libvirt.run(Libvirt.deleteDisk(disk, pool: configuration.pool))
                }
                try? FileManager.default.removeItem(at: xmlFile(name))
                try? FileManager.default.removeItem(at: configuration.workFolder.appendingPathComponent("\(name).reinstalled"))
                return .done
            }
        } catch let failure as LibvirtFailure {
            if Self.outOfResources(failure.description) { return .noResources }
            return .failed(failure.description, permanent: failure.isPermanent)
        }
    }

    private func open(_ service: ProvisioningRequest, name: String, state: Libvirt.State?) async throws -> ModuleAnswer {
        if state == nil {
            guard let template = Self.templateVolume(for: service.osImage) else {
                return .failed("the order names no operating system", permanent: true)
            }
            let disk = Self.diskVolume(forService: service.number)
            if try await !libvirt.hasVolume(disk, pool: configuration.pool) {
                guard try await libvirt.hasVolume(template, pool: configuration.pool) else {
                    return .failed("the pool \(configuration.pool) has no template \(template)", permanent: true)
                }
                let size = max(1024, service.resources[.disk] ?? 10_240)
                _ = try await libvirt.run(Libvirt.createDisk(disk, pool: configuration.pool, sizeMiB: size, template: template))
            }
            let path = try await libvirt.run(Libvirt.diskPath(disk, pool: configuration.pool))[0]
            let domain = domain(for: service, diskPath: path)
            try FileManager.default.createDirectory(at: configuration.workFolder, withIntermediateDirectories: true)
            let file = xmlFile(name)
            try Data(domain.xml(type: configuration.domainType).utf8).write(to: file, options: .atomic)
            // The XML holds the console password: readable by this process's user only.
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            _ = try await libvirt.run(Libvirt.open(domain, xmlFile: file.path))
        } else if state != .running {
            _ = try await libvirt.run(Libvirt.start(name))
        }
        try await setLogin(service, name: name)
        let address = Libvirt.parseAddress(try await libvirt.run(Libvirt.addresses(name))[0])
        return .done(ipAddress: address)
    }

    /// Sets the engine's login on the running domain; set again on a retry, to the same value.
    private func setLogin(_ service: ProvisioningRequest, name: String) async throws {
        guard let login = service.login else { return }
        _ = try await libvirt.run(Libvirt.setPassword(name, user: login.user, password: login.password))
    }

    /// A fresh disk from the chosen OS's template under the same domain: the domain is switched
    /// off, its disk deleted and made again over the template, and started. The job's key is
    /// written beside the domain's XML when done, so a job run again after a worker died does
    /// not wipe the freshly installed disk a second time.
    private func reinstall(_ service: ProvisioningRequest, name: String, state: Libvirt.State, key: String) async throws -> ModuleAnswer {
        let marker = configuration.workFolder.appendingPathComponent("\(name).reinstalled")
        if (try? String(contentsOf: marker, encoding: .utf8)) == key {
            if state != .running { _ = try await libvirt.run(Libvirt.start(name)) }
            try await setLogin(service, name: name)
            return try await expect(.running, name)
        }
        guard let template = Self.templateVolume(for: service.osImage) else {
            return .failed("no operating system was chosen", permanent: true)
        }
        guard try await libvirt.hasVolume(template, pool: configuration.pool) else {
            return .failed("the pool \(configuration.pool) has no template \(template)", permanent: true)
        }
        if state != .shutOff { _ = try await libvirt.run(Libvirt.destroy(name)) }
        let disk = Self.diskVolume(forService: service.number)
        if try await libvirt.hasVolume(disk, pool: configuration.pool) {
            _ = try await libvirt.run(Libvirt.deleteDisk(disk, pool: configuration.pool))
        }
        let size = max(1024, service.resources[.disk] ?? 10_240)
        _ = try await libvirt.run(
            Libvirt.createDisk(disk, pool: configuration.pool, sizeMiB: size, template: template) + Libvirt.start(name))
        try FileManager.default.createDirectory(at: configuration.workFolder, withIntermediateDirectories: true)
        try Data(key.utf8).write(to: marker, options: .atomic)
        try await setLogin(service, name: name)
        return try await expect(.running, name)
    }

    /// Reads the state back: the operation is done when the host says so.
    private func expect(_ wanted: Libvirt.State, _ name: String) async throws -> ModuleAnswer {
        try await libvirt.state(of: name) == wanted ? .done : .pending(seconds: 10)
    }

    private func xmlFile(_ name: String) -> URL { configuration.workFolder.appendingPathComponent("\(name).xml") }

    /// What libvirt says when the host cannot hold another server of this size.
    static func outOfResources(_ text: String) -> Bool {
        ["cannot allocate memory", "not enough memory", "insufficient", "no space left"].contains {
            text.localizedCaseInsensitiveContains($0)
        }
    }
}
