import BillingDomain
import BillingStore
import FluentKit
import Foundation
import Provisioning

/// The provider's pool of dedicated servers (SVC-2): staff enter each server with its BMC; a
/// plan on a module that uses the pool (IPMI) hands a free one to each service it opens and
/// takes it back when the service is deleted. The BMC password is kept sealed and never shown.
public struct ServerPool: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// One server as staff see it: never its password.
    public struct Server: Sendable, Hashable, Identifiable {
        public let id: UUID
        public let name: String
        public let bmcHost: String
        public let bmcPort: Int
        public let bmcUser: String
        public let address: String
        public let notes: String
        /// The service it runs, by id and number; `nil`: free.
        public let serviceID: UUID?
        public let serviceNumber: Int?
        /// The switch port its traffic is read from (`switch1.example:161`, port 7); never the community.
        public let switchHost: String?
        public let switchPort: Int?
        public let switchInterface: Int?
    }

    /// What staff enter for a server.
    public struct Form: Sendable {
        public var name: String
        public var bmcHost: String
        public var bmcPort: Int?
        public var bmcUser: String
        public var bmcPassword: String
        public var address: String
        public var notes: String
        /// The switch port for traffic: a host (empty: none), its agent's UDP port (161 when
        /// empty), the read community and the port's `ifIndex`.
        public var switchHost: String
        public var switchPort: Int?
        public var switchCommunity: String
        public var switchInterface: Int?

        public init(
            name: String, bmcHost: String, bmcPort: Int?, bmcUser: String, bmcPassword: String, address: String, notes: String = "",
            switchHost: String = "", switchPort: Int? = nil, switchCommunity: String = "", switchInterface: Int? = nil
        ) {
            self.name = name
            self.bmcHost = bmcHost
            self.bmcPort = bmcPort
            self.bmcUser = bmcUser
            self.bmcPassword = bmcPassword
            self.address = address
            self.notes = notes
            self.switchHost = switchHost
            self.switchPort = switchPort
            self.switchCommunity = switchCommunity
            self.switchInterface = switchInterface
        }
    }

    /// A switch port as checked, or `nil` when the form names none.
    struct CheckedSwitch {
        let host: String
        let port: Int
        let community: String
        let interface: Int
    }

    static func checkSwitch(_ form: Form) throws -> CheckedSwitch? {
        let host = form.switchHost.trimmingCharacters(in: .whitespaces)
        guard !host.isEmpty else {
            // A community or an index without a switch is a form filled in halfway.
            guard form.switchCommunity.isEmpty, form.switchInterface == nil else { throw ServerPoolError.badSwitchHost }
            return nil
        }
        guard host.count <= 253, IPAddress(host) != nil || HostName(host) != nil else { throw ServerPoolError.badSwitchHost }
        let port = form.switchPort ?? 161
        guard (1...65_535).contains(port) else { throw ServerPoolError.badSwitchPort }
        // Printable ASCII without spaces: it goes into the SNMP client's configuration line.
        let community = form.switchCommunity
        guard (1...64).contains(community.count), community.unicodeScalars.allSatisfy({ (0x21...0x7e).contains($0.value) }) else {
            throw ServerPoolError.badSwitchCommunity
        }
        guard let interface = form.switchInterface, (1...2_147_483_647).contains(interface) else {
            throw ServerPoolError.badSwitchInterface
        }
        return CheckedSwitch(host: host, port: port, community: community, interface: interface)
    }

    /// Every server, by name, with the service each runs.
    public func servers(caller: Caller) async throws -> [Server] {
        try caller.require(.manageServers)
        return try await servers(try await DedicatedServerRecord.query(on: context.database).sort(\.$name).all())
    }

    /// One server, for its edit page; `nil` when the pool has none with this id.
    public func server(_ id: UUID, caller: Caller) async throws -> Server? {
        try caller.require(.manageServers)
        return try await servers(try await DedicatedServerRecord.query(on: context.database).filter(\.$id == id).all()).first
    }

    private func servers(_ records: [DedicatedServerRecord]) async throws -> [Server] {
        let serviceIDs = records.compactMap(\.serviceID)
        let numbers =
            serviceIDs.isEmpty
            ? [:]
            : Dictionary(
                try await ServiceRecord.query(on: context.database).filter(\.$id ~~ serviceIDs).all().map { ($0.id!, $0.number) },
                uniquingKeysWith: { first, _ in first })
        return records.map { record in
            Server(
                id: record.id!, name: record.name, bmcHost: record.bmcHost, bmcPort: record.bmcPort, bmcUser: record.bmcUser,
                address: record.address, notes: record.notes, serviceID: record.serviceID,
                serviceNumber: record.serviceID.flatMap { numbers[$0] }, switchHost: record.switchHost, switchPort: record.switchPort,
                switchInterface: record.switchInterface)
        }
    }

    /// Adds a server to the pool; every field is checked before anything is stored.
    @discardableResult
    public func add(_ form: Form, caller: Caller) async throws -> UUID {
        try caller.require(.manageServers)
        let record = DedicatedServerRecord(
            name: "", bmcHost: "", bmcPort: 623, bmcUser: "", bmcPasswordSealed: "", address: "", createdAt: context.clock.now)
        try await apply(form, to: record)
        let db = context.database
        try await record.create(on: db)
        // Orders that found the pool empty take the new server.
        let free = try await DedicatedServerRecord.query(on: db).filter(\.$serviceID == nil).count()
        let poolModules = Set(context.modules.names.filter { context.modules.module(named: $0)?.usesServerPool == true })
        _ = try await ServiceLifecycle.retryUnavailable(modules: poolModules, slots: free, actor: caller.initiator, context: context)
        return record.id!
    }

    /// A server's details as staff edit them: the form as stored, without the BMC password or
    /// the community (left empty, they stay as they are).
    public func form(of id: UUID, caller: Caller) async throws -> Form {
        try caller.require(.manageServers)
        guard let record = try await DedicatedServerRecord.find(id, on: context.database) else { throw ServerPoolError.notFound }
        return Form(
            name: record.name, bmcHost: record.bmcHost, bmcPort: record.bmcPort, bmcUser: record.bmcUser, bmcPassword: "",
            address: record.address, notes: record.notes, switchHost: record.switchHost ?? "", switchPort: record.switchPort,
            switchCommunity: "", switchInterface: record.switchInterface)
    }

    /// Changes a server's details; an empty BMC password or community keeps the stored one. A
    /// server that runs a service keeps its address (the client's server answers on it).
    public func update(_ id: UUID, _ form: Form, caller: Caller) async throws {
        try caller.require(.manageServers)
        guard let record = try await DedicatedServerRecord.find(id, on: context.database) else { throw ServerPoolError.notFound }
        if record.serviceID != nil, IPAddress(form.address.trimmingCharacters(in: .whitespaces))?.description != record.address {
            throw ServerPoolError.addressInUse
        }
        let cabledTo = (record.switchHost, record.switchPort, record.switchInterface)
        try await apply(form, to: record)
        try await context.database.transaction { tx in
            try await record.update(on: tx)
            // Another port's counters have nothing to do with the last reading: the next one
            // only starts the count again.
            if let service = record.serviceID, cabledTo != (record.switchHost, record.switchPort, record.switchInterface) {
                try await TrafficCounterRecord.query(on: tx).filter(\.$serviceID == service).delete()
            }
        }
    }

    /// Checks every field of `form` and sets them on `record` (nothing is stored here). A
    /// stored record keeps its sealed password and community where the form leaves them empty.
    private func apply(_ form: Form, to record: DedicatedServerRecord) async throws {
        let stored = record.$id.exists
        let name = form.name.trimmingCharacters(in: .whitespaces)
        let host = form.bmcHost.trimmingCharacters(in: .whitespaces)
        let user = form.bmcUser.trimmingCharacters(in: .whitespaces)
        let address = form.address.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw ServerPoolError.nameRequired }
        guard !host.isEmpty, host.count <= 253, IPAddress(host) != nil || HostName(host) != nil else { throw ServerPoolError.badBMCHost }
        let port = form.bmcPort ?? 623
        guard (1...65_535).contains(port) else { throw ServerPoolError.badBMCPort }
        guard !user.isEmpty, user.count <= 16, stored || !form.bmcPassword.isEmpty, form.bmcPassword.count <= 20 else {
            throw ServerPoolError.badBMCCredentials
        }
        guard let parsed = IPAddress(address) else { throw ServerPoolError.badAddress }
        var switchForm = form
        if stored, form.switchCommunity.isEmpty, !form.switchHost.trimmingCharacters(in: .whitespaces).isEmpty,
            let sealed = record.switchCommunitySealed, let community = context.secrets.open(sealed)
        {
            switchForm.switchCommunity = String(decoding: community, as: UTF8.self)
        }
        let switchPort = try Self.checkSwitch(switchForm)
        let db = context.database
        let others = DedicatedServerRecord.query(on: db).filter(\.$id != record.id!)
        guard try await others.copy().filter(\.$name == name).count() == 0 else { throw ServerPoolError.duplicateName }
        guard try await others.copy().filter(\.$address == parsed.description).count() == 0 else {
            throw ServerPoolError.duplicateAddress
        }
        record.name = name
        record.bmcHost = host
        record.bmcPort = port
        record.bmcUser = user
        if !form.bmcPassword.isEmpty { record.bmcPasswordSealed = try context.secrets.seal(Data(form.bmcPassword.utf8)) }
        record.address = parsed.description
        record.notes = String(form.notes.prefix(1000))
        record.switchHost = switchPort?.host
        record.switchPort = switchPort?.port
        record.switchCommunitySealed = try switchPort.map { try context.secrets.seal(Data($0.community.utf8)) }
        record.switchInterface = switchPort?.interface
    }

    /// Takes a free server out of the pool; one that runs a service stays.
    public func remove(_ id: UUID, caller: Caller) async throws {
        try caller.require(.manageServers)
        guard let record = try await DedicatedServerRecord.find(id, on: context.database) else { throw ServerPoolError.notFound }
        guard record.serviceID == nil else { throw ServerPoolError.inUse }
        try await record.delete(on: context.database)
    }

    // MARK: the engine's side

    /// The server a service runs on, with its BMC, for the module; `nil` when it has none.
    static func hardware(ofService serviceID: UUID, context: EngineContext) async throws -> ProvisioningRequest.Hardware? {
        guard let record = try await DedicatedServerRecord.query(on: context.database).filter(\.$serviceID == serviceID).first()
        else { return nil }
        return hardware(record, context: context)
    }

    static func hardware(_ record: DedicatedServerRecord, context: EngineContext) -> ProvisioningRequest.Hardware? {
        guard let password = context.secrets.open(record.bmcPasswordSealed) else { return nil }
        return ProvisioningRequest.Hardware(
            name: record.name,
            bmc: BMCAddress(
                host: record.bmcHost, port: record.bmcPort, user: record.bmcUser, password: String(decoding: password, as: UTF8.self)),
            address: record.address)
    }

    /// The service's server: the one it already has (an opening run again), or a free one,
    /// claimed with a conditional update so two openings never take the same server; `nil`
    /// when none is free.
    static func claim(forService serviceID: UUID, context: EngineContext) async throws -> ProvisioningRequest.Hardware? {
        if let held = try await hardware(ofService: serviceID, context: context) { return held }
        let db = context.database
        for candidate in try await DedicatedServerRecord.query(on: db).filter(\.$serviceID == nil).sort(\.$name).all() {
            try await DedicatedServerRecord.query(on: db).filter(\.$id == candidate.id!).filter(\.$serviceID == nil)
                .set(\.$serviceID, to: serviceID).update()
            if let claimed = try await DedicatedServerRecord.find(candidate.id!, on: db), claimed.serviceID == serviceID {
                return hardware(claimed, context: context)
            }
        }
        return nil
    }

    /// The switch ports of the servers that run `serviceIDs`, by service.
    static func switchPorts(ofServices serviceIDs: [UUID], context: EngineContext) async throws -> [UUID: SwitchPort] {
        guard !serviceIDs.isEmpty else { return [:] }
        var ports: [UUID: SwitchPort] = [:]
        for record in try await DedicatedServerRecord.query(on: context.database).filter(\.$serviceID ~~ serviceIDs)
            .filter(\.$switchHost != nil).all()
        {
            guard let service = record.serviceID, let host = record.switchHost, let index = record.switchInterface,
                let sealed = record.switchCommunitySealed, let community = context.secrets.open(sealed)
            else { continue }
            ports[service] = SwitchPort(
                host: host, port: record.switchPort ?? 161, community: String(decoding: community, as: UTF8.self), interfaceIndex: index)
        }
        return ports
    }

    /// A deleted service's server goes back to the pool.
    static func release(serviceID: UUID, on db: any Database) async throws {
        try await DedicatedServerRecord.query(on: db).filter(\.$serviceID == serviceID).set(\.$serviceID, to: nil).update()
    }
}

/// Why staff could not change the pool.
public enum ServerPoolError: Error, Equatable, Sendable {
    case nameRequired, badBMCHost, badBMCPort, badBMCCredentials, badAddress, duplicateName, duplicateAddress, notFound, inUse
    case badSwitchHost, badSwitchPort, badSwitchCommunity, badSwitchInterface
    /// The address of a server that runs a service cannot change under the client.
    case addressInUse
}

extension ServerPoolError: Refusal {
    public var code: String {
        switch self {
        case .nameRequired: "name_missing"
        case .badBMCHost: "bmc_host_invalid"
        case .badBMCPort: "bmc_port_invalid"
        case .badBMCCredentials: "bmc_credentials_invalid"
        case .badAddress: "address_invalid"
        case .duplicateName: "name_taken"
        case .duplicateAddress: "address_taken"
        case .notFound: "not_found"
        case .inUse: "server_in_use"
        case .badSwitchHost: "switch_host_invalid"
        case .badSwitchPort: "switch_port_invalid"
        case .badSwitchCommunity: "switch_community_invalid"
        case .badSwitchInterface: "switch_interface_invalid"
        case .addressInUse: "address_in_use"
        }
    }

    public var status: RefusalStatus { self == .notFound ? .notFound : .unprocessable }

    public var textKey: String {
        switch self {
        case .notFound: "error.not_found"
        default: "error.servers." + code
        }
    }
}
