import BillingDomain
import BillingStore
import FluentKit
import Foundation
import Provisioning

/// Runs the service jobs: asks the plan's module to open, stop, start or delete a service, and
/// moves the service's status by what the module answered. Every run first checks where the
/// service stands, so a job run again after a worker died changes nothing twice; the module gets
/// the job's idempotency key for the same reason on its side.
struct ServiceJobs: Sendable {
    let context: EngineContext

    func run(_ kind: JobKind, _ job: ServiceJob, key: String) async throws -> JobResult {
        guard let operation = kind.operation, let service = try await ServiceRecord.find(job.serviceID, on: context.database)
        else { return .done }
        let state = ServiceState(service.status, operation: service.operation)
        guard Self.stillWanted(kind, job.reason, state: state) else { return .done }
        let (name, found) = try await context.processingModule(forPlan: service.planID)
        guard let module = found else {
            return failure(kind, job, message: "no processing module named \(name ?? "")", permanent: true)
        }
        let answer: ModuleAnswer
        do {
            // A dedicated server's service takes a server of the pool when it opens.
            let hardware =
                !module.usesServerPool
                ? nil
                : kind == .serviceOpen
                    ? try await ServerPool.claim(forService: job.serviceID, context: context)
                    : try await ServerPool.hardware(ofService: job.serviceID, context: context)
            let login =
                module.setsLogin ? try await ServiceLogin.forJob(kind, serviceID: job.serviceID, key: key, context: context) : nil
            answer = try await module.perform(
                operation,
                on: ServiceLifecycle.provisioningRequest(
                    service, hardware: hardware, osImage: job.osImage, login: login, hardReset: job.hardReset == true,
                    on: context.database),
                key: key)
        } catch {
            answer = .failed(String(describing: error), permanent: false)
        }
        let actor = Initiator.module(module.name)
        let serviceID = job.serviceID
        switch answer {
        case .done(let address):
            return JobResult(outcome: .done) { ctx in
                guard let service = try await ServiceRecord.find(serviceID, on: ctx.database) else { return }
                try await Self.completed(kind, job, service: service, address: address, actor: actor, ctx: ctx)
            }
        case .noResources:
            return JobResult(outcome: .done) { ctx in
                guard let service = try await ServiceRecord.find(serviceID, on: ctx.database),
                    Self.stillWanted(kind, job.reason, state: ServiceState(service.status, operation: service.operation))
                else { return }
                try await ServiceLifecycle(context: ctx).transition(service, .noResources, actor: actor, on: ctx.database)
            }
        case .pending(let seconds):
            return JobResult(outcome: .poll(seconds: max(1, seconds)))
        case .failed(let message, let permanent):
            return failure(kind, job, message: message, permanent: permanent, actor: actor)
        }
    }

    /// Whether the job still has work: the service is in the state the job was made for.
    static func stillWanted(_ kind: JobKind, _ reason: ServiceJob.Reason, state: ServiceState) -> Bool {
        switch (kind, reason) {
        case (.serviceOpen, _): state == ServiceState(.processing, operation: .opening)
        case (.serviceStop, .client): state == ServiceState(.processing, operation: .switchingOff)
        case (.serviceStart, .client): state == ServiceState(.processing, operation: .switchingOn)
        case (.serviceReboot, _): state == ServiceState(.processing, operation: .reboot)
        case (.serviceReinstall, _): state == ServiceState(.processing, operation: .reinstall)
        case (.serviceDelete, _): state == ServiceState(.processing, operation: .deletion)
        // The backend follows staff: stop what staff still hold stopped, start what they resumed.
        case (.serviceStop, .staff): state.status == .stoppedByAdmin || state.status == .stoppedForAbuse
        case (.serviceStart, .staff): state.status == .active
        // The backend follows the billing: stop what is still expired, start what is running.
        case (.serviceStop, _): state.status == .expired
        case (.serviceStart, _): state.status == .active
        case (.mailSend, _), (.smsSend, _), (.passwordResetRequest, _), (.dailyStep, _), (.dnsReverse, _),
            (.trafficCollect, _), (.consoleGrant, _), (.consoleRevoke, _):
            false
        }
    }

    /// The module did it: the status follows.
    static func completed(
        _ kind: JobKind, _ job: ServiceJob, service: ServiceRecord, address: String?, actor: Initiator, ctx: EngineContext
    ) async throws {
        let state = ServiceState(service.status, operation: service.operation)
        guard stillWanted(kind, job.reason, state: state) else { return }
        let lifecycle = ServiceLifecycle(context: ctx)
        // A stopped or deleted server keeps no client's BMC user.
        if kind == .serviceStop || kind == .serviceDelete { try await ServiceConsole.close(ofService: service.id!, ctx: ctx) }
        switch (kind, job.reason) {
        case (.serviceOpen, _):
            if let address { service.ipAddress = address }
            try await lifecycle.transition(service, .opened, actor: actor, on: ctx.database)
        case (.serviceStop, .client):
            try await lifecycle.transition(
                service, .stoppedByClient(dailyBilling: service.period == .day), actor: actor, on: ctx.database)
        case (.serviceStart, .client):
            try await lifecycle.transition(service, .startedByClient, actor: actor, on: ctx.database)
        case (.serviceReboot, _):
            try await lifecycle.transition(service, .rebooted, actor: actor, on: ctx.database)
        case (.serviceReinstall, _):
            if let osImage = job.osImage { service.osImage = osImage }
            try await ServiceLogin.reinstalled(serviceID: service.id!, ctx: ctx)
            try await lifecycle.transition(service, .reinstalled, actor: actor, note: job.osImage ?? "", on: ctx.database)
        case (.serviceDelete, let reason):
            try await lifecycle.transition(service, .deletionCompleted, actor: actor, on: ctx.database)
            try await ServerPool.release(serviceID: service.id!, on: ctx.database)
            try await ServiceNetwork.clearReverse(ofService: service.id!, ctx: ctx)
            if reason == .grace {
                let accounts = try await RenewalRun.accounts(of: [service], on: ctx.database)
                _ = try await Notices(context: ctx).send(
                    [
                        Notices.Notice(
                            accountID: service.accountID, template: "deleted",
                            dedupeKey: "deleted:\(service.id!.uuidString.lowercased())",
                            arguments: ["service": ServiceLifecycle.summary(service), "date": ctx.today.iso])
                    ], accounts: accounts, on: ctx.database)
            }
        case (.serviceStop, _), (.serviceStart, _), (.mailSend, _), (.smsSend, _), (.passwordResetRequest, _), (.dailyStep, _),
            (.dnsReverse, _), (.trafficCollect, _), (.consoleGrant, _), (.consoleRevoke, _):
            // The backend followed a status the service already has; the job's row records it.
            break
        }
    }

    /// The module failed: a history line for staff now; when it is final, a client's stop,
    /// start or reboot goes back where it was (the client may try again), an opening or a
    /// deletion stays in Processing for staff to retry from the jobs page.
    func failure(
        _ kind: JobKind, _ job: ServiceJob, message: String, permanent: Bool,
        actor: Initiator = .system(job: "jobs")
    ) -> JobResult {
        let serviceID = job.serviceID
        let note = String(message.prefix(300))
        return JobResult(
            outcome: .failure(message, permanent: permanent),
            apply: { ctx in
                guard let service = try await ServiceRecord.find(serviceID, on: ctx.database) else { return }
                try await ServiceEventRecord(
                    serviceID: serviceID, at: ctx.clock.now, event: "module_error", fromStatus: service.status,
                    toStatus: service.status, actor: actor, note: "\(kind.operation?.rawValue ?? kind.rawValue): \(note)"
                ).create(on: ctx.database)
            },
            giveUp: { ctx in
                // A reboot or reinstall staff asked for goes back too; staff's stop and start
                // leave the status staff set.
                guard
                    kind == .serviceReboot || kind == .serviceReinstall
                        || (job.reason == .client && [.serviceStop, .serviceStart].contains(kind)),
                    let service = try await ServiceRecord.find(serviceID, on: ctx.database),
                    Self.stillWanted(kind, job.reason, state: ServiceState(service.status, operation: service.operation))
                else { return }
                try await ServiceLifecycle(context: ctx).transition(
                    service,
                    kind == .serviceReboot
                        ? .rebootFailed
                        : kind == .serviceReinstall ? .reinstallFailed : .switchFailed(dailyBilling: service.period == .day),
                    actor: actor,
                    note: note, on: ctx.database)
            })
    }
}

/// The payload of the service jobs: which service, and why (what its status does when the
/// module has answered).
struct ServiceJob: Codable, Sendable {
    enum Reason: String, Codable, Sendable {
        /// A paid order: Processing (opening) → Active or Not available.
        case order
        /// The client's stop, start or deletion: Processing → the status asked for.
        case client
        /// Expiry stopped the service: the backend follows, the status is already Expired.
        case expiry
        /// A paid renewal brought an expired service back: the backend follows.
        case renewal
        /// The grace period ended: Processing (deletion) → Deleted, and the client is told.
        case grace
        /// Staff stopped the service (by administrator, for abuse) or started it again: the
        /// status is already set, the backend follows. Staff's reboot, reinstall and deletion
        /// go through Processing as the client's do.
        case staff
    }

    let serviceID: UUID
    let reason: Reason
    /// A reinstall's operating system, as the plan lists it.
    var osImage: String? = nil
    /// A reboot that cuts the power (absent in jobs queued before there were hard resets).
    var hardReset: Bool? = nil
}
