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

        public init(name: String, bmcHost: String, bmcPort: Int?, bmcUser: String, bmcPassword: String, address: String, notes: String = "")
        {
            self.name = name
            self.bmcHost = bmcHost
            self.bmcPort = bmcPort
            self.bmcUser = bmcUser
            self.bmcPassword = bmcPassword
            self.address = address
            self.notes = notes
        }
    }

    /// Every server, by name, with the service each runs.
    public func servers(caller: Caller) async throws -> [Server] {
        try caller.require(.manageServers)
        let records = try await DedicatedServerRecord.query(on: context.database).sort(\.$name).all()
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
                serviceNumber: record.serviceID.flatMap { numbers[$0] })
        }
    }

    /// Adds a server to the pool; every field is checked before anything is stored.
    @discardableResult
    public func add(_ form: Form, caller: Caller) async throws -> UUID {
        try caller.require(.manageServers)
        let name = form.name.trimmingCharacters(in: .whitespaces)
        let host = form.bmcHost.trimmingCharacters(in: .whitespaces)
        let user = form.bmcUser.trimmingCharacters(in: .whitespaces)
        let address = form.address.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw ServerPoolError.nameRequired }
        guard !host.isEmpty, host.count <= 253, IPAddress(host) != nil || HostName(host) != nil else { throw ServerPoolError.badBMCHost }
        let port = form.bmcPort ?? 623
        guard (1...65_535).contains(port) else { throw ServerPoolError.badBMCPort }
        guard !user.isEmpty, user.count <= 16, !form.bmcPassword.isEmpty, form.bmcPassword.count <= 20 else {
            throw ServerPoolError.badBMCCredentials
        }
        guard let parsed = IPAddress(address) else { throw ServerPoolError.badAddress }
        let db = context.database
        guard try await DedicatedServerRecord.query(on: db).filter(\.$name == name).count() == 0 else {
            throw ServerPoolError.duplicateName
        }
        guard try await DedicatedServerRecord.query(on: db).filter(\.$address == parsed.description).count() == 0 else {
            throw ServerPoolError.duplicateAddress
        }
        let record = DedicatedServerRecord(
            name: name, bmcHost: host, bmcPort: port, bmcUser: user,
            bmcPasswordSealed: try context.secrets.seal(Data(form.bmcPassword.utf8)),
            address: parsed.description, notes: String(form.notes.prefix(1000)), createdAt: context.clock.now)
        try await record.create(on: db)
        // Orders that found the pool empty take the new server.
        let free = try await DedicatedServerRecord.query(on: db).filter(\.$serviceID == nil).count()
        let poolModules = Set(context.modules.names.filter { context.modules.module(named: $0)?.usesServerPool == true })
        _ = try await ServiceLifecycle.retryUnavailable(modules: poolModules, slots: free, actor: caller.initiator, context: context)
        return record.id!
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

    /// A deleted service's server goes back to the pool.
    static func release(serviceID: UUID, on db: any Database) async throws {
        try await DedicatedServerRecord.query(on: db).filter(\.$serviceID == serviceID).set(\.$serviceID, to: nil).update()
    }
}

/// Why staff could not change the pool.
public enum ServerPoolError: Error, Equatable, Sendable {
    case nameRequired, badBMCHost, badBMCPort, badBMCCredentials, badAddress, duplicateName, duplicateAddress, notFound, inUse
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
