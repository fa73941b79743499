import BillingDomain
import BillingStore
import FluentKit
import Foundation
import Provisioning

/// A server's network as its client sees it (SVC-4): its addresses with netmask, gateway and
/// MAC, and the reverse DNS of each address, which the client sets. A new name is stored as
/// pending with its job in one transaction; the job writes it to the DNS server and marks it
/// applied, or failed with the server's words.
public struct ServiceNetwork: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public struct Address: Sendable, Hashable {
        public let address: String
        /// The name asked for (or applied); `nil`: none.
        public let reverseName: String?
        /// `nil`: never set here.
        public let status: ReverseRecordStatus?
        public let error: String?
    }

    public struct Overview: Sendable {
        public let addresses: [Address]
        public let details: NetworkDetails?
    }

    /// The service's network; another account's service is not found.
    public func overview(serviceID: UUID, caller: Caller) async throws -> Overview {
        let service = try await ServiceLifecycle(context: context).readable(serviceID, caller: caller)
        let records = try await ReverseRecord.query(on: context.database).filter(\.$serviceID == serviceID).all()
        let byAddress = Dictionary(records.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        let addresses = Self.addresses(of: service).map { address in
            let record = byAddress[address]
            return Address(address: address, reverseName: record?.name, status: record?.status, error: record?.error)
        }
        let module = try await context.processingModule(forPlan: service.planID).module
        return Overview(addresses: addresses, details: service.ipAddress == nil ? nil : module?.networkDetails(forService: service.number))
    }

    static func addresses(of service: ServiceRecord) -> [String] {
        service.ipAddress.map { [$0] } ?? []
    }

    /// Sets (or, with an empty name, removes) the reverse DNS of one of the service's addresses.
    /// A name that is not a host name is refused and nothing changes; the same name again is no
    /// new work.
    public func setReverse(serviceID: UUID, address: String, name: String, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.reverseDNS.right))
        let lifecycle = ServiceLifecycle(context: context)
        let service = try await lifecycle.stored(serviceID, account: account)
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        let host: HostName?
        if trimmed.isEmpty {
            host = nil
        } else {
            guard let parsed = HostName(trimmed) else { throw ServiceActionError.invalidHostName }
            host = parsed
        }
        try await lifecycle.require(.reverseDNS, service)
        guard Self.addresses(of: service).contains(address), IPAddress(address) != nil else { throw ServiceActionError.unknownAddress }
        try await context.database.transaction { tx in
            let ctx = context.on(tx)
            try await ctx.lockAccount(service.accountID, on: tx)
            let existing = try await ReverseRecord.query(on: tx).filter(\.$address == address).first()
            if let existing, existing.serviceID == serviceID, existing.name == host?.name, existing.status != .failed { return }
            let record =
                existing ?? ReverseRecord(serviceID: serviceID, address: address, name: nil, status: .pending, updatedAt: ctx.clock.now)
            // An address handed to a new service starts over under it.
            record.serviceID = serviceID
            record.name = host?.name
            record.status = .pending
            record.error = nil
            record.updatedAt = ctx.clock.now
            try await record.save(on: tx)
            try await ServiceEventRecord(
                serviceID: serviceID, at: ctx.clock.now, event: "reverse_dns_requested", fromStatus: service.status,
                toStatus: service.status, actor: caller.initiator, note: "\(address) → \(host?.name ?? "—")"
            ).create(on: tx)
            try await ctx.jobs.enqueue(
                [
                    try Self.job(
                        record, key: UUID.timeOrdered().uuidString.lowercased(), accountID: service.accountID, serviceID: serviceID)
                ], on: tx)
        }
    }

    /// A deleted server's addresses point back at nothing: each record it set is queued for
    /// removal, so the next holder of the address does not inherit the name.
    static func clearReverse(ofService serviceID: UUID, ctx: EngineContext) async throws {
        let records = try await ReverseRecord.query(on: ctx.database).filter(\.$serviceID == serviceID).all()
        for record in records where record.name != nil || record.status == .failed {
            record.name = nil
            record.status = .pending
            record.error = nil
            record.updatedAt = ctx.clock.now
            try await record.update(on: ctx.database)
            try await ctx.jobs.enqueue(
                [try Self.job(record, key: "deleted:" + serviceID.uuidString.lowercased(), accountID: nil, serviceID: serviceID)],
                on: ctx.database)
        }
    }

    /// The `dns.reverse` job that writes the record's name as it is now.
    static func job(_ record: ReverseRecord, key: String, accountID: UUID?, serviceID: UUID) throws -> JobQueue.NewJob {
        let payload = ReverseDNSJob(recordID: record.id!, name: record.name)
        return JobQueue.NewJob(
            kind: .dnsReverse, payload: String(decoding: try JSONEncoder().encode(payload), as: UTF8.self),
            key: "rdns:\(record.id!.uuidString.lowercased()):\(key)", accountID: accountID, serviceID: serviceID, runAfter: nil)
    }

    /// Writes the record to the DNS server, unless a newer name replaced it meanwhile (its own
    /// job writes that one).
    func run(_ job: ReverseDNSJob) async throws -> JobResult {
        guard let record = try await ReverseRecord.find(job.recordID, on: context.database), record.status == .pending,
            record.name == job.name
        else { return .done }
        guard let writer = context.modules.reverseDNS else {
            return JobResult(outcome: .failure("no reverse DNS server is configured", permanent: true))
        }
        guard let address = IPAddress(record.address) else {
            return JobResult(outcome: .failure("not an address: \(record.address)", permanent: true))
        }
        let recordID = job.recordID
        let name = job.name
        do {
            try await writer.setReverse(address, to: name.flatMap(HostName.init))
        } catch {
            let permanent = (error as? DNSFailure)?.isPermanent ?? false
            let message = String(String(describing: error).prefix(300))
            return JobResult(
                outcome: .failure(message, permanent: permanent),
                giveUp: { ctx in
                    guard let record = try await ReverseRecord.find(recordID, on: ctx.database), record.name == name else { return }
                    record.status = .failed
                    record.error = message
                    record.updatedAt = ctx.clock.now
                    try await record.update(on: ctx.database)
                })
        }
        return JobResult(outcome: .done) { ctx in
            guard let record = try await ReverseRecord.find(recordID, on: ctx.database), record.status == .pending, record.name == name
            else { return }
            record.status = .applied
            record.updatedAt = ctx.clock.now
            try await record.update(on: ctx.database)
        }
    }
}

/// The payload of a `dns.reverse` job: the record and the name it was asked to carry.
struct ReverseDNSJob: Codable, Sendable {
    let recordID: UUID
    let name: String?
}
