import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

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
            case .poll: round.polled += 1
            case .failure(_, let permanent):
                if permanent || job.attempts >= job.kind.maxAttempts {
                    round.failed += 1
                } else {
                    round.retried += 1
                }
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
            ORDER BY run_after LIMIT \(unsafeRaw: String(limit))\(lock)) RETURNING id
            """
        ).all()
        guard !claimed.isEmpty else { return [] }
        let ids = try claimed.map { try $0.decode(column: "id", as: UUID.self) }
        return try await JobRecord.query(on: context.database).filter(\.$id ~~ ids).filter(\.$leaseOwner == owner)
            .sort(\.$runAfter).all()
    }

    // MARK: running

    private func run(_ job: JobRecord) async -> JobResult.Outcome {
        let log = context.log(.jobs)
        let kind = job.kind
        let result: JobResult
        do {
            result = try await handle(job, kind: kind)
        } catch {
            result = JobResult(outcome: .failure(String(describing: error), permanent: false))
        }
        do {
            try await finish(job, kind: kind, result: result)
        } catch {
            // The lease was lost to another worker, or the database failed: the lease runs out and
            // the job is claimed again; its handler sees what was done.
            log.error("job not finished", metadata: ["job": .string(job.id!.uuidString), "error": .string("\(error)")])
        }
        return result.outcome
    }

    struct LeaseLost: Error {}

    private func handle(_ job: JobRecord, kind: JobKind) async throws -> JobResult {
        switch kind {
        case .serviceOpen, .serviceStop, .serviceStart, .serviceDelete:
            let payload = try JSONDecoder().decode(ServiceJob.self, from: Data(job.payload.utf8))
            return try await ServiceJobs(context: context).run(kind, payload, key: job.idempotencyKey, attempt: job.attempts)
        }
    }

    /// Writes the result with the job's new state in one transaction, only while this worker
    /// still holds the lease.
    private func finish(_ job: JobRecord, kind: JobKind, result: JobResult) async throws {
        let id = job.id!
        let log = context.log(.jobs)
        try await context.database.transaction { tx in
            let ctx = context.on(tx)
            let now = ctx.clock.now
            let sql = tx.sql
            let ownLease: SQLQueryString =
                "id = \(bind: id) AND lease_owner = \(bind: owner) AND status = \(bind: JobStatus.running.rawValue) RETURNING id"
            let changed: [any SQLRow]
            switch result.outcome {
            case .done:
                changed = try await sql.raw(
                    """
                    UPDATE jobs SET status = \(bind: JobStatus.done.rawValue), finished_at = \(bind: now), lease_until = NULL,
                    updated_at = \(bind: now) WHERE \(ownLease)
                    """
                ).all()
            case .poll(let seconds):
                changed = try await sql.raw(
                    """
                    UPDATE jobs SET status = \(bind: JobStatus.queued.rawValue), run_after = \(bind: now.addingTimeInterval(TimeInterval(seconds))),
                    attempts = attempts - 1, lease_until = NULL, updated_at = \(bind: now) WHERE \(ownLease)
                    """
                ).all()
            case .failure(let error, let permanent):
                let ladder = kind.ladder
                let final = permanent || job.attempts > ladder.count
                let message = String(error.prefix(500))
                if final {
                    changed = try await sql.raw(
                        """
                        UPDATE jobs SET status = \(bind: JobStatus.failed.rawValue), last_error = \(bind: message), finished_at = \(bind: now),
                        lease_until = NULL, updated_at = \(bind: now) WHERE \(ownLease)
                        """
                    ).all()
                } else {
                    let delay = ladder[max(0, min(job.attempts - 1, ladder.count - 1))]
                    changed = try await sql.raw(
                        """
                        UPDATE jobs SET status = \(bind: JobStatus.queued.rawValue), last_error = \(bind: message),
                        run_after = \(bind: now.addingTimeInterval(TimeInterval(delay))), lease_until = NULL, updated_at = \(bind: now)
                        WHERE \(ownLease)
                        """
                    ).all()
                }
                guard !changed.isEmpty else { throw LeaseLost() }
                try await result.apply(ctx)
                if final { try await result.giveUp(ctx) }
                log.warning(
                    final ? "job failed" : "job will be retried",
                    metadata: [
                        "job": .string(id.uuidString), "kind": .string(job.kind.rawValue), "attempt": .stringConvertible(job.attempts),
                        "error": .string(message)
                    ])
                return
            }
            guard !changed.isEmpty else { throw LeaseLost() }
            try await result.apply(ctx)
        }
    }
}
