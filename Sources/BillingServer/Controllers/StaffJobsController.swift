import BillingDomain
import BillingEngine
import Vapor

/// The job queue for staff (`/admin/jobs`): counts per kind and status, the jobs of one status
/// (failed first) or of one service, each with its last error; failed jobs can be retried and
/// waiting ones cancelled.
struct StaffJobsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.staff(.jobs), use: list)
        routes.post(SiteURL.staff(.jobRetry(.key)), use: retry)
        routes.post(SiteURL.staff(.jobCancel(.key)), use: cancel)
    }

    func list(req: Request) async throws -> Response {
        let queue = JobQueue(context: req.engine)
        let serviceID = req.query[String.self, at: "service"].flatMap(UUID.init(uuidString:))
        // A service's jobs in every status unless one is asked for; otherwise the failed ones
        // (an unknown status reads as failed too, so the heading always says what is listed).
        let asked = req.query[String.self, at: "status"].flatMap(JobStatus.init(rawValue:))
        let status: JobStatus? = serviceID != nil ? asked : (asked ?? .failed)
        let jobs = try await queue.list(status: status, serviceID: serviceID)
        return StaffJobPages.list(
            PageContext(req), counts: try await queue.counts(), jobs: jobs, status: status, serviceID: serviceID
        ).response()
    }

    private func jobID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("jobID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        return id
    }

    func retry(req: Request) async throws -> Response {
        try await JobQueue(context: req.engine).retry(try jobID(req), caller: try req.staff.caller)
        return req.redirect(to: SiteURL.staff(.jobs).notice("job_retried"))
    }

    func cancel(req: Request) async throws -> Response {
        try await JobQueue(context: req.engine).cancel(try jobID(req), caller: try req.staff.caller)
        return req.redirect(to: SiteURL.staff(.jobs).notice("job_cancelled"))
    }
}
