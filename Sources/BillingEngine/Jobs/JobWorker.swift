import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// The payload of a `daily.step` job: which step of which day's pass to run again.
struct DailyStepJob: Codable, Sendable {
    let step: RenewalRun.Step
    let date: String
}

/// What running a job came to. The writes in `apply` are made in one transaction with the job's
/// new state, so an effect (a service becoming Active) and its job being done commit together.
struct JobResult: Sendable {
    enum Outcome: Sendable, Equatable {
        case done
        /// The outside work is under way: look again after `seconds` (not counted as an attempt).
        case poll(seconds: Int)
        /// Failed. A permanent failure is not retried; another is, on the kind's ladder.
        case failure(String, permanent: Bool)
    }

    var outcome: Outcome
    /// Writes made with the job's new state (history lines, status changes).
    var apply: @Sendable (EngineContext) async throws -> Void = { _ in }
    /// Writes made when a failure is final (a service back where it was, a notice).
    var giveUp: @Sendable (EngineContext) async throws -> Void = { _ in }

    static let done = JobResult(outcome: .done)
}

/// Claims due jobs and runs them. A claim takes a lease (owner and time) in one statement:
/// `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers on one database share the work and
/// never take the same row; SQLite serializes writers, so its conditional UPDATE is enough. A
/// worker that died loses its lease after `leaseSeconds` and another runs the job again, which
/// is why every handler checks where its object stands first and modules are idempotent on the
/// job's key.
public struct JobWorker: Sendable {
    let context: EngineContext
    public let owner: String
    let leaseSeconds: TimeInterval

    public init(
        context: EngineContext, owner: String = "worker-" + UUID().uuidString.prefix(8).lowercased(), leaseSeconds: TimeInterval = 300
    ) {
        self.context = context
        self.owner = owner
        self.leaseSeconds = leaseSeconds
    }

    /// What a round did.
    public struct Round: Sendable, Equatable {
        public var done = 0
        public var retried = 0
        public var failed = 0
        public var polled = 0
        public var ran: Int { done + retried + failed + polled }
        public init() {}
    }

    /// Claims up to `limit` due jobs and runs them one after another.
    @discardableResult
    public func runDue(limit: Int = 20) async throws -> Round {
        var round = Round()
        for job in try await claim(limit: limit) {
            switch await run(job) {
            case .done: round.done += 1
            case .polled: round.polled += 1
            case .retried: round.retried += 1
            case .failed: round.failed += 1
            }
        }
        return round
    }

    /// Runs rounds until no job is due now (tests, `billing jobs --once`); at most `rounds`.
    @discardableResult
    public func drain(rounds: Int = 1_000) async throws -> Round {
        var total = Round()
        for _ in 0..<rounds {
            let round = try await runDue()
            guard round.ran > 0 else { break }
            total.done += round.done
            total.retried += round.retried
            total.failed += round.failed
            total.polled += round.polled
        }
        return total
    }

    /// Runs due jobs every `interval` until the task is cancelled (`serve`, `billing jobs work`).
    public func run(every interval: Duration = .seconds(1)) async {
        let log = context.log(.jobs)
        while !Task.isCancelled {
            do {
                let round = try await runDue()
                if round.ran > 0 { continue }
            } catch {
                log.error("job worker: \(String(describing: error))")
            }
            try? await Task.sleep(for: interval)
        }
    }

    // MARK: claiming

    /// Due jobs first in, first out: by when they are due, then by id (time-ordered), so of two
    /// orders queued in the same instant the earlier one opens first and takes the pool's last
    /// server (PostgreSQL returned such ties in any order; CI caught it on the IPMI pool test).
    func claim(limit: Int) async throws -> [JobRecord] {
        let sql = context.database.sql
        let now = context.clock.now
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        let claimed = try await sql.raw(
            """
            UPDATE jobs SET status = \(bind: JobStatus.running.rawValue), lease_owner = \(bind: owner),
            lease_until = \(bind: now.addingTimeInterval(leaseSeconds)), attempts = attempts + 1, updated_at = \(bind: now)
            WHERE id IN (SELECT id FROM jobs WHERE (status = \(bind: JobStatus.queued.rawValue) AND run_after <= \(bind: now))
            OR (status = \(bind: JobStatus.running.rawValue) AND lease_until < \(bind: now))
            ORDER BY run_after, id LIMIT \(unsafeRaw: String(limit))\(lock)) RETURNING id
            """
        ).all()
        guard !claimed.isEmpty else { return [] }
        let ids = try claimed.map { try $0.decode(column: "id", as: UUID.self) }
        return try await JobRecord.query(on: context.database).filter(\.$id ~~ ids).filter(\.$leaseOwner == owner)
            .sort(\.$runAfter).sort(\.$id).all()
    }

    // MARK: running

    /// Where a run left its job.
    enum Disposition: Sendable, Equatable {
        case done, polled, retried, failed
    }

    private func run(_ job: JobRecord) async -> Disposition {
        let result: JobResult
        do {
            result = try await handle(job)
        } catch {
            result = JobResult(outcome: .failure(String(describing: error), permanent: false))
        }
        let next = Next(job, result.outcome, now: context.clock.now)
        do {
            try await finish(job, next: next, result: result)
        } catch {
            // The lease was lost to another worker, or the database failed: the lease runs out and
            // the job is claimed again; its handler sees what was done.
            context.log(.jobs).error("job not finished", metadata: ["job": .string(job.id!.uuidString), "error": .string("\(error)")])
        }
        return next.disposition
    }

    struct LeaseLost: Error {}

    private func handle(_ job: JobRecord) async throws -> JobResult {
        switch job.kind {
        case .serviceOpen, .serviceStop, .serviceStart, .serviceReboot, .serviceReinstall, .serviceDelete:
            let payload = try JSONDecoder().decode(ServiceJob.self, from: Data(job.payload.utf8))
            return try await ServiceJobs(context: context).run(job.kind, payload, key: job.idempotencyKey)
        case .dnsReverse:
            let payload = try JSONDecoder().decode(ReverseDNSJob.self, from: Data(job.payload.utf8))
            return try await ServiceNetwork(context: context).run(payload)
        case .consoleGrant, .consoleRevoke:
            let payload = try JSONDecoder().decode(ConsoleJob.self, from: Data(job.payload.utf8))
            return try await ServiceConsole(context: context).run(job.kind, payload)
        case .trafficCollect:
            let payload = try JSONDecoder().decode(TrafficJob.self, from: Data(job.payload.utf8))
            return try await ServiceTraffic(context: context).collect(payload)
        case .mailSend:
            let payload = try JSONDecoder().decode(MailJob.self, from: Data(job.payload.utf8))
            return try await MailJobs(context: context).run(payload, attempt: job.attempts)
        case .smsSend:
            let payload = try JSONDecoder().decode(SMSJob.self, from: Data(job.payload.utf8))
            return try await SMSJobs(context: context).run(payload, attempt: job.attempts)
        case .passwordResetRequest:
            let payload = try JSONDecoder().decode(ResetRequestJob.self, from: Data(job.payload.utf8))
            return try await PasswordResets(context: context).send(payload)
        case .dailyStep:
            let payload = try JSONDecoder().decode(DailyStepJob.self, from: Data(job.payload.utf8))
            guard let date = LocalDate(iso: payload.date) else {
                return JobResult(outcome: .failure("bad date \(payload.date)", permanent: true))
            }
            var summary = RenewalRun.Summary()
            try await RenewalRun(context: context).run(payload.step, on: date, summary: &summary)
            return .done
        }
    }

    /// The job's next state, decided once from the outcome and the kind's ladder.
    struct Next {
        let disposition: Disposition
        let status: JobStatus
        /// When a queued job runs again.
        let runAfter: Date?
        let error: String?

        init(_ job: JobRecord, _ outcome: JobResult.Outcome, now: Date) {
            let ladder = job.kind.ladder
            switch outcome {
            case .done:
                (disposition, status, runAfter, error) = (.done, .done, nil, nil)
            case .poll(let seconds):
                (disposition, status, runAfter, error) = (.polled, .queued, now.addingTimeInterval(TimeInterval(seconds)), nil)
            case .failure(let message, let permanent):
                let text = String(message.prefix(500))
                if permanent || job.attempts >= job.kind.maxAttempts {
                    (disposition, status, runAfter, error) = (.failed, .failed, nil, text)
                } else {
                    let delay = ladder[min(max(job.attempts - 1, 0), ladder.count - 1)]
                    (disposition, status, runAfter, error) = (.retried, .queued, now.addingTimeInterval(TimeInterval(delay)), text)
                }
            }
        }
    }

    /// Writes the result with the job's new state in one transaction, only while this worker
    /// still holds the lease.
    private func finish(_ job: JobRecord, next: Next, result: JobResult) async throws {
        let id = job.id!
        try await context.database.transaction { tx in
            let ctx = context.on(tx)
            let now = ctx.clock.now
            // A poll is no attempt; a finished job has a finish time; an error is kept.
            let attempts: SQLQueryString = next.disposition == .polled ? "attempts - 1" : "attempts"
            let finishedAt: Date? = next.status == .queued ? nil : now
            let changed = try await tx.sql.raw(
                """
                UPDATE jobs SET status = \(bind: next.status.rawValue), run_after = COALESCE(\(bind: next.runAfter), run_after),
                attempts = \(attempts), last_error = COALESCE(\(bind: next.error), last_error), finished_at = \(bind: finishedAt),
                lease_until = NULL, updated_at = \(bind: now)
                WHERE id = \(bind: id) AND lease_owner = \(bind: owner) AND status = \(bind: JobStatus.running.rawValue) RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { throw LeaseLost() }
            try await result.apply(ctx)
            if next.disposition == .failed { try await result.giveUp(ctx) }
        }
        if let error = next.error {
            context.log(.jobs).warning(
                next.disposition == .failed ? "job failed" : "job will be retried",
                metadata: [
                    "job": .string(id.uuidString), "kind": .string(job.kind.rawValue), "attempt": .stringConvertible(job.attempts),
                    "error": .string(error)
                ])
        }
    }
}
