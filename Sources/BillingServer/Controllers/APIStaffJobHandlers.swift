import BillingAPI
import BillingDomain
import BillingEngine
import Foundation
import Vapor

/// The job queue in the staff API: the twin of `/admin/jobs` (the same right, `jobs.manage`, and
/// the same engine calls), so a provider's monitoring can watch failed jobs and retry them.
extension BillingAPIHandlers {
    func listStaffJobs(_ input: Operations.ListStaffJobs.Input) async throws -> Operations.ListStaffJobs.Output {
        let req = try request
        let serviceID: UUID?
        if let text = input.query.serviceId {
            guard let id = UUID(uuidString: text) else { throw PlainRefusal.badRequest }
            serviceID = id
        } else {
            serviceID = nil
        }
        let asked = input.query.status.flatMap { JobStatus(rawValue: $0.rawValue) }
        // As on the page: a service's jobs in every status, otherwise the failed ones.
        let status: JobStatus? = serviceID != nil ? asked : (asked ?? .failed)
        let queue = JobQueue(context: req.engine)
        let jobs = try await queue.list(status: status, serviceID: serviceID)
        let counts = try await queue.counts().map { count in
            Components.Schemas.JobCount(
                kind: count.kind.rawValue, queued: count.count(.queued), running: count.count(.running), done: count.count(.done),
                failed: count.count(.failed), cancelled: count.count(.cancelled))
        }
        return .ok(.init(body: .json(.init(items: try jobs.map(Self.job), counts: counts))))
    }

    func retryStaffJob(_ input: Operations.RetryStaffJob.Input) async throws -> Operations.RetryStaffJob.Output {
        let req = try request
        let staff = try staffBearer()
        let id = try Self.jobID(input.path.jobId)
        let queue = JobQueue(context: req.engine)
        try await queue.retry(id, caller: staff.caller)
        return .ok(.init(body: .json(try Self.job(try await queue.job(id)))))
    }

    func cancelStaffJob(_ input: Operations.CancelStaffJob.Input) async throws -> Operations.CancelStaffJob.Output {
        let req = try request
        let staff = try staffBearer()
        let id = try Self.jobID(input.path.jobId)
        let queue = JobQueue(context: req.engine)
        try await queue.cancel(id, caller: staff.caller)
        return .ok(.init(body: .json(try Self.job(try await queue.job(id)))))
    }

    static func jobID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw JobActionError.notFound }
        return id
    }

    static func job(_ job: Job) throws -> Components.Schemas.Job {
        guard let kind = Components.Schemas.Job.KindPayload(rawValue: job.kind.rawValue),
            let status = Components.Schemas.Job.StatusPayload(rawValue: job.status.rawValue)
        else { throw PlainRefusal.badRequest }
        return Components.Schemas.Job(
            id: job.id.uuidString.lowercased(), kind: kind, status: status, attempts: job.attempts, maxAttempts: job.maxAttempts,
            runAfter: job.runAfter, lastError: job.lastError, serviceId: job.serviceID?.uuidString.lowercased(),
            accountId: job.accountID?.uuidString.lowercased(), key: job.idempotencyKey, createdAt: job.createdAt,
            finishedAt: job.finishedAt)
    }
}
