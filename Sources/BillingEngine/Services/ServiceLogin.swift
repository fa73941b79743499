import BillingDomain
import BillingStore
import FluentKit
import Foundation
import Provisioning

/// The login data of a server (SVC-3, seed 001: "the data for logging in to the server"): the
/// engine makes the password, the module sets it at opening and at each reinstall, the client
/// reads it on the Details tab when they ask (a POST, written to the history).
public struct ServiceLogin: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// The administrator user of the servers the modules open.
    public static let user = "root"

    /// The user of the service's login, if its module set one (`nil`: none to show).
    public func user(serviceID: UUID, caller: Caller) async throws -> String? {
        let service = try await ServiceLifecycle(context: context).readable(serviceID, caller: caller)
        guard service.status != .deleted else { return nil }
        return try await ServiceLoginRecord.query(on: context.database).filter(\.$serviceID == serviceID).first()?.userName
    }

    /// The login with its password, for a user who may manage the service.
    public func reveal(serviceID: UUID, caller: Caller) async throws -> ServerLogin {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.showLogin.right))
        let service = try await ServiceLifecycle(context: context).stored(serviceID, account: account)
        guard service.status != .deleted,
            let record = try await ServiceLoginRecord.query(on: context.database).filter(\.$serviceID == serviceID).first(),
            let password = context.secrets.open(record.passwordSealed)
        else { throw ServiceActionError.notAllowed(status: service.status) }
        try await ServiceEventRecord(
            serviceID: serviceID, at: context.clock.now, event: "login_shown", fromStatus: service.status, toStatus: service.status,
            actor: caller.initiator, note: record.userName
        ).create(on: context.database)
        return ServerLogin(user: record.userName, password: String(decoding: password, as: UTF8.self))
    }

    /// The login the module is to set for this job: at opening the service's one (made the
    /// first time), at a reinstall the next one, the same for every run of the same job.
    static func forJob(_ kind: JobKind, serviceID: UUID, key: String, context: EngineContext) async throws -> ServerLogin? {
        let db = context.database
        let existing = try await ServiceLoginRecord.query(on: db).filter(\.$serviceID == serviceID).first()
        func open(_ sealed: String?) -> String? { sealed.flatMap(context.secrets.open).map { String(decoding: $0, as: UTF8.self) } }
        switch kind {
        case .serviceOpen:
            if let existing, let password = open(existing.passwordSealed) {
                return ServerLogin(user: existing.userName, password: password)
            }
            let password = ServerLogin.newPassword()
            try await ServiceLoginRecord(
                serviceID: serviceID, userName: user, passwordSealed: try context.secrets.seal(Data(password.utf8)),
                updatedAt: context.clock.now
            ).create(on: db)
            return ServerLogin(user: user, password: password)
        case .serviceReinstall:
            let record =
                existing
                ?? ServiceLoginRecord(serviceID: serviceID, userName: user, passwordSealed: "", updatedAt: context.clock.now)
            if record.nextKey == key, let password = open(record.nextPasswordSealed) {
                return ServerLogin(user: record.userName, password: password)
            }
            let password = ServerLogin.newPassword()
            record.nextPasswordSealed = try context.secrets.seal(Data(password.utf8))
            record.nextKey = key
            record.updatedAt = context.clock.now
            try await record.save(on: db)
            return ServerLogin(user: record.userName, password: password)
        default:
            return nil
        }
    }

    /// The reinstall is done: its password is the server's now.
    static func reinstalled(serviceID: UUID, ctx: EngineContext) async throws {
        guard let record = try await ServiceLoginRecord.query(on: ctx.database).filter(\.$serviceID == serviceID).first(),
            let next = record.nextPasswordSealed
        else { return }
        record.passwordSealed = next
        record.nextPasswordSealed = nil
        record.nextKey = nil
        record.updatedAt = ctx.clock.now
        try await record.update(on: ctx.database)
    }
}
