import BillingDomain
import BillingStore
import FluentKit
import Foundation
import Provisioning

/// The IP-KVM tab of a server (SVC-4): how its client reaches the screen and keyboard.
///
/// A VPS has a VNC console on its host; its address is on the tab, its password is shown when
/// the client asks (derived for the service, never stored). A dedicated server's BMC gets a
/// temporary user: opening the access makes a password, shows it once on the page that asked,
/// keeps it sealed for the `console.grant` job that sets the user on the BMC, and a
/// `console.revoke` job removes the user when the access expires — or at once when the server
/// is stopped or deleted, so the next holder of the server finds no stranger's user on it.
public struct ServiceConsole: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// How long a BMC user lives.
    public static let accessLifetime: TimeInterval = 3 * 3_600

    public struct Access: Sendable, Hashable {
        public let userName: String
        public let status: ConsoleGrantStatus
        public let expiresAt: Date
        public let error: String?
    }

    public struct Overview: Sendable {
        /// `nil`: the server's module offers no console.
        public let kind: ConsoleKind?
        /// Whether the client may open it now (the server is active).
        public let available: Bool
        /// A VPS's console address: host and port (the password only through `open`).
        public let host: String?
        public let port: Int?
        /// A dedicated server's BMC web interface and the current access.
        public let url: String?
        public let access: Access?
    }

    /// What opening gives the client, once.
    public enum Opened: Sendable, Hashable {
        case vnc(VNCConsole)
        case bmc(url: String, user: String, password: String, expiresAt: Date)
    }

    public func overview(serviceID: UUID, caller: Caller) async throws -> Overview {
        let service = try await ServiceLifecycle(context: context).readable(serviceID, caller: caller)
        let module = try await context.processingModule(forPlan: service.planID).module
        let available = service.status == .active && service.productType.hasServer
        switch module?.console {
        case .vnc:
            let console = module?.vncConsole(forService: service.number)
            return Overview(kind: .vnc, available: available, host: console?.host, port: console?.port, url: nil, access: nil)
        case .bmc:
            let grant = try await ConsoleGrantRecord.query(on: context.database).filter(\.$serviceID == serviceID).first()
            let access = grant.map { grant in
                Access(
                    userName: grant.userName, status: Self.status(of: grant, now: context.clock.now), expiresAt: grant.expiresAt,
                    error: grant.error)
            }
            let host = try await DedicatedServerRecord.query(on: context.database).filter(\.$serviceID == serviceID).first()?.bmcHost
            return Overview(kind: .bmc, available: available, host: host, port: nil, url: host.map(Self.url), access: access)
        case nil:
            return Overview(kind: nil, available: false, host: nil, port: nil, url: nil, access: nil)
        }
    }

    /// An access past its expiry reads as expired, even before its removal job ran.
    static func status(of grant: ConsoleGrantRecord, now: Date) -> ConsoleGrantStatus {
        grant.status == .active && grant.expiresAt <= now ? .expired : grant.status
    }

    static func url(bmcHost: String) -> String { "https://\(bmcHost)/" }

    /// Opens the console for the client: a VPS's password, or a new BMC user (its password
    /// shown now and never again). Needs the right to manage services; the server must be
    /// active. Written to the service's history either way.
    public func open(serviceID: UUID, caller: Caller) async throws -> Opened {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.console.right))
        let lifecycle = ServiceLifecycle(context: context)
        let service = try await lifecycle.stored(serviceID, account: account)
        guard service.status == .active, service.productType.hasServer else {
            throw ServiceActionError.notAllowed(status: service.status)
        }
        guard let module = try await context.processingModule(forPlan: service.planID).module, let kind = module.console else {
            throw ServiceActionError.notAllowed(status: service.status)
        }
        switch kind {
        case .vnc:
            guard let console = module.vncConsole(forService: service.number) else {
                throw ServiceActionError.notAllowed(status: service.status)
            }
            try await ServiceEventRecord(
                serviceID: serviceID, at: context.clock.now, event: "console_opened", fromStatus: service.status,
                toStatus: service.status, actor: caller.initiator, note: "VNC \(console.host):\(console.port)"
            ).create(on: context.database)
            return .vnc(console)
        case .bmc:
            guard let server = try await DedicatedServerRecord.query(on: context.database).filter(\.$serviceID == serviceID).first()
            else { throw ServiceActionError.notAllowed(status: service.status) }
            let login = ServerLogin(user: ServerLogin.consoleUser(forService: service.number), password: ServerLogin.newPassword())
            let expiresAt = context.clock.now.addingTimeInterval(Self.accessLifetime)
            try await context.database.transaction { tx in
                let ctx = context.on(tx)
                try await ctx.lockAccount(service.accountID, on: tx)
                let grant =
                    try await ConsoleGrantRecord.query(on: tx).filter(\.$serviceID == serviceID).first()
                    ?? ConsoleGrantRecord(
                        serviceID: serviceID, userName: login.user, passwordSealed: "", status: .pending, generation: 0,
                        expiresAt: expiresAt, updatedAt: ctx.clock.now)
                grant.serverID = server.id
                grant.userName = login.user
                grant.passwordSealed = try ctx.secrets.seal(Data(login.password.utf8))
                grant.status = .pending
                grant.generation += 1
                grant.expiresAt = expiresAt
                grant.error = nil
                grant.updatedAt = ctx.clock.now
                try await grant.save(on: tx)
                try await ServiceEventRecord(
                    serviceID: serviceID, at: ctx.clock.now, event: "console_opened", fromStatus: service.status,
                    toStatus: service.status, actor: caller.initiator, note: "IP-KVM \(login.user)"
                ).create(on: tx)
                try await ctx.jobs.enqueue(
                    [
                        try Self.job(.consoleGrant, grant, accountID: service.accountID, runAfter: nil, key: "grant"),
                        try Self.job(.consoleRevoke, grant, accountID: service.accountID, runAfter: expiresAt, key: "expiry")
                    ], on: tx)
            }
            return .bmc(url: Self.url(bmcHost: server.bmcHost), user: login.user, password: login.password, expiresAt: expiresAt)
        }
    }

    static func job(_ kind: JobKind, _ grant: ConsoleGrantRecord, accountID: UUID?, runAfter: Date?, key: String) throws -> JobQueue.NewJob
    {
        let payload = ConsoleJob(grantID: grant.id!, generation: grant.generation)
        return JobQueue.NewJob(
            kind: kind, payload: String(decoding: try JSONEncoder().encode(payload), as: UTF8.self),
            key: "console:\(grant.id!.uuidString.lowercased()):\(grant.generation):\(key)", accountID: accountID,
            serviceID: grant.serviceID, runAfter: runAfter)
    }

    /// The server stopped or went away: its BMC user is removed now rather than at its expiry.
    static func close(ofService serviceID: UUID, ctx: EngineContext) async throws {
        guard let grant = try await ConsoleGrantRecord.query(on: ctx.database).filter(\.$serviceID == serviceID).first(),
            grant.status == .pending || grant.status == .active
        else { return }
        // The grant job, if it has not run yet, now finds nothing to do.
        grant.status = .expired
        grant.updatedAt = ctx.clock.now
        try await grant.update(on: ctx.database)
        try await ctx.jobs.enqueue([try job(.consoleRevoke, grant, accountID: nil, runAfter: nil, key: "closed")], on: ctx.database)
    }

    func run(_ kind: JobKind, _ job: ConsoleJob) async throws -> JobResult {
        guard let grant = try await ConsoleGrantRecord.find(job.grantID, on: context.database), grant.generation == job.generation
        else { return .done }
        if kind == .consoleGrant, grant.status != .pending { return .done }
        guard let service = try await ServiceRecord.find(grant.serviceID, on: context.database),
            let module = try await context.processingModule(forPlan: service.planID).module
        else { return .done }
        var server: DedicatedServerRecord?
        if let serverID = grant.serverID { server = try await DedicatedServerRecord.find(serverID, on: context.database) }
        let request = try await ServiceLifecycle.provisioningRequest(
            service, hardware: server.flatMap { ServerPool.hardware($0, context: context) }, on: context.database)
        let password = context.secrets.open(grant.passwordSealed).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let login = ServerLogin(user: grant.userName, password: password)
        let answer: ModuleAnswer
        do {
            answer =
                kind == .consoleGrant
                ? try await module.grantConsole(login, on: request) : try await module.revokeConsole(login, on: request)
        } catch {
            answer = .failed(String(describing: error), permanent: false)
        }
        let grantID = job.grantID
        let generation = job.generation
        @Sendable func mark(_ status: ConsoleGrantStatus, error: String?, ctx: EngineContext, only: ConsoleGrantStatus?) async throws {
            guard let grant = try await ConsoleGrantRecord.find(grantID, on: ctx.database), grant.generation == generation else { return }
            if let only, grant.status != only { return }
            grant.status = status
            grant.error = error
            grant.updatedAt = ctx.clock.now
            try await grant.update(on: ctx.database)
        }
        switch answer {
        case .done, .noResources:
            return JobResult(outcome: .done) { ctx in
                try await mark(
                    kind == .consoleGrant ? .active : .expired, error: nil, ctx: ctx, only: kind == .consoleGrant ? .pending : nil)
            }
        case .pending(let seconds):
            return JobResult(outcome: .poll(seconds: max(1, seconds)))
        case .failed(let message, let permanent):
            let message = String(message.prefix(300))
            return JobResult(
                outcome: .failure(message, permanent: permanent),
                giveUp: { ctx in
                    // A user that could not be removed stays visible to staff on the job's row.
                    if kind == .consoleGrant { try await mark(.failed, error: message, ctx: ctx, only: .pending) }
                })
        }
    }
}

/// The payload of `console.grant` and `console.revoke`: the access and which opening of it.
struct ConsoleJob: Codable, Sendable {
    let grantID: UUID
    let generation: Int
}
