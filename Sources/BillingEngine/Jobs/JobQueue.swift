import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation
import Provisioning

extension JobKind {
    /// The module operation a service job asks for (`nil` for the other kinds).
    public var operation: ProvisioningOperation? {
        switch self {
        case .serviceOpen: .open
        case .serviceStop: .stop
        case .serviceStart: .start
        case .serviceReboot: .reboot
        case .serviceReinstall: .reinstall
        case .serviceDelete: .delete
        case .mailSend, .smsSend, .passwordResetRequest, .dailyStep, .dnsReverse, .trafficCollect, .consoleGrant, .consoleRevoke: nil
        }
    }
}

/// A job as staff see it.
public struct Job: Sendable, Hashable, Identifiable {
    public let id: UUID
    public let kind: JobKind
    public let status: JobStatus
    public let attempts: Int
    public let maxAttempts: Int
    public let runAfter: Date
    public let lastError: String?
    public let accountID: UUID?
    public let serviceID: UUID?
    public let idempotencyKey: String
    public let createdAt: Date
    public let finishedAt: Date?

    init(_ record: JobRecord) {
        id = record.id!
        kind = record.kind
        status = record.status
        attempts = record.attempts
        maxAttempts = record.kind.maxAttempts
        runAfter = record.runAfter
        lastError = record.lastError
        accountID = record.accountID
        serviceID = record.serviceID
        idempotencyKey = record.idempotencyKey
        createdAt = record.createdAt
        finishedAt = record.finishedAt
    }
}

/// Why a staff action on a job is refused.
public enum JobActionError: Error, Equatable, Sendable {
    case notFound
    /// Only a failed or cancelled job can be retried, only a queued or failed one cancelled.
    case notAllowed(status: JobStatus)
}

/// The one durable queue for work that talks to the outside or runs later (ARCHITECTURE.md,
/// "Outside work"). A job is enqueued **in the transaction of the change it follows**: a paid
/// order commits its "open the service" job with the money, so a crash loses neither and a
/// rollback leaves no job behind. The idempotency key is unique: enqueuing the same work twice
/// (a retried transaction, a replayed webhook) makes one row. `JobWorker` runs them.
public struct JobQueue: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// A job to enqueue (`package`: the renewal benchmark writes the daily pass's mail jobs as the
    /// pass does).
    package struct NewJob {
        let kind: JobKind
        let payload: String
        let key: String
        let accountID: UUID?
        let serviceID: UUID?
        let runAfter: Date?
    }

    static func serviceJob(
        _ kind: JobKind, service: ServiceRecord, reason: ServiceJob.Reason, key: String, runAfter: Date? = nil,
        osImage: String? = nil, hardReset: Bool = false
    ) -> NewJob {
        let payload = ServiceJob(serviceID: service.id!, reason: reason, osImage: osImage, hardReset: hardReset ? true : nil)
        return NewJob(
            kind: kind, payload: String(decoding: try! JSONEncoder().encode(payload), as: UTF8.self), key: key,
            accountID: service.accountID, serviceID: service.id!, runAfter: runAfter)
    }

    /// The job that sends one message of the outbox.
    package static func mailJob(messageID: UUID, accountID: UUID?) -> NewJob {
        NewJob(
            kind: .mailSend, payload: String(decoding: try! JSONEncoder().encode(MailJob(messageID: messageID)), as: UTF8.self),
            key: mailJobKey(messageID), accountID: accountID, serviceID: nil, runAfter: nil)
    }

    /// The job that runs again a step of the daily pass that failed (one per step and date).
    static func dailyStepJob(_ step: RenewalRun.Step, on date: LocalDate) -> NewJob {
        NewJob(
            kind: .dailyStep, payload: String(decoding: try! JSONEncoder().encode(DailyStepJob(step: step, date: date.iso)), as: UTF8.self),
            key: "daily:\(step.rawValue):\(date.iso)", accountID: nil, serviceID: nil, runAfter: nil)
    }

    /// The job that answers a password-reset request (each request is its own).
    static func resetRequestJob(email: String, language: Language) -> NewJob {
        NewJob(
            kind: .passwordResetRequest,
            payload: String(decoding: try! JSONEncoder().encode(ResetRequestJob(email: email, language: language)), as: UTF8.self),
            key: "reset:\(UUID.timeOrdered().uuidString.lowercased())", accountID: nil, serviceID: nil, runAfter: nil)
    }

    static func smsJob(messageID: UUID, accountID: UUID?) -> NewJob {
        NewJob(
            kind: .smsSend, payload: String(decoding: try! JSONEncoder().encode(SMSJob(messageID: messageID)), as: UTF8.self),
            key: "sms:\(messageID.uuidString.lowercased())", accountID: accountID, serviceID: nil, runAfter: nil)
    }

    static func mailJobKey(_ messageID: UUID) -> String { "mail:\(messageID.uuidString.lowercased())" }

    /// The columns of a job row written by a `BatchInsert` (notices of the daily pass), and one
    /// row of them for `job`.
    package static let columns = [
        "id", "kind", "payload", "idempotency_key", "status", "run_after", "attempts", "account_id", "service_id", "created_at",
        "updated_at"
    ]

    package static func row(_ job: NewJob, now: Date) -> [any Encodable & Sendable] {
        [
            UUID.timeOrdered(), job.kind.rawValue, job.payload, job.key, JobStatus.queued.rawValue, job.runAfter ?? now, 0, job.accountID,
            job.serviceID, now, now
        ]
    }

    /// Writes jobs on `db` (the caller's transaction) in one statement; a key already queued is
    /// kept as it is.
    func enqueue(_ jobs: [NewJob], on db: any Database) async throws {
        guard !jobs.isEmpty else { return }
        let now = context.clock.now
        let rows: [SQLQueryString] = jobs.map { job in
            """
            (\(bind: UUID.timeOrdered()), \(bind: job.kind.rawValue), \(bind: job.payload), \(bind: job.key), \(bind: JobStatus.queued.rawValue),
            \(bind: job.runAfter ?? now), 0, \(bind: job.accountID), \(bind: job.serviceID), \(bind: now), \(bind: now))
            """
        }
        try await db.sql.raw(
            """
            INSERT INTO jobs (id, kind, payload, idempotency_key, status, run_after, attempts, account_id, service_id, created_at, updated_at)
            VALUES \(rows.joined(separator: ", ")) ON CONFLICT (idempotency_key) DO NOTHING
            """
        ).run()
    }

    // MARK: staff

    /// How many jobs of each kind are in each status.
    public func counts() async throws -> [JobKindCount] {
        let rows = try await context.database.sql.raw("SELECT kind, status, COUNT(*) AS n FROM jobs GROUP BY kind, status").all()
        var byKind: [JobKind: [JobStatus: Int]] = [:]
        for row in rows {
            guard let kind = JobKind(rawValue: try row.decode(column: "kind", as: String.self)) else { continue }
            guard let status = JobStatus(rawValue: try row.decode(column: "status", as: String.self)) else { continue }
            byKind[kind, default: [:]][status] = try row.decode(column: "n", as: Int.self)
        }
        return byKind.keys.sorted { $0.rawValue < $1.rawValue }.map { JobKindCount(kind: $0, counts: byKind[$0]!) }
    }

    /// Jobs, newest first: of one status, or of one service.
    public func list(status: JobStatus? = nil, serviceID: UUID? = nil, limit: Int = 100) async throws -> [Job] {
        var query = JobRecord.query(on: context.database)
        if let status { query = query.filter(\.$status == status) }
        if let serviceID { query = query.filter(\.$serviceID == serviceID) }
        return try await query.sort(\.$createdAt, .descending).sort(\.$id, .descending).limit(limit).all().map(Job.init)
    }

    public func job(_ id: UUID) async throws -> Job {
        guard let record = try await JobRecord.find(id, on: context.database) else { throw JobActionError.notFound }
        return Job(record)
    }

    /// Staff run a failed (or cancelled) job again now, with its ladder from the start; for a
    /// caller who may manage the queue.
    public func retry(_ id: UUID, caller: Caller) async throws {
        try caller.require(.manageJobs)
        try await retry(id, actor: caller.initiator)
    }

    /// The retry itself, for use cases that checked their own right (the outbox's).
    func retry(_ id: UUID, actor: Initiator) async throws {
        let now = context.clock.now
        let changed = try await context.database.sql.raw(
            """
            UPDATE jobs SET status = \(bind: JobStatus.queued.rawValue), run_after = \(bind: now), attempts = 0,
            lease_owner = NULL, lease_until = NULL, finished_at = NULL, updated_at = \(bind: now)
            WHERE id = \(bind: id) AND status IN (\(bind: JobStatus.failed.rawValue), \(bind: JobStatus.cancelled.rawValue)) RETURNING id
            """
        ).all()
        guard changed.isEmpty else {
            context.log(.jobs).info("job retried by staff", metadata: ["job": .string(id.uuidString), "by": .string(actor.stored)])
            return
        }
        throw try await refusal(id)
    }

    /// Staff cancel a job that waits (or failed): it never runs.
    public func cancel(_ id: UUID, caller: Caller) async throws {
        try caller.require(.manageJobs)
        let actor = caller.initiator
        let now = context.clock.now
        let changed = try await context.database.sql.raw(
            """
            UPDATE jobs SET status = \(bind: JobStatus.cancelled.rawValue), lease_owner = NULL, lease_until = NULL,
            finished_at = \(bind: now), updated_at = \(bind: now)
            WHERE id = \(bind: id) AND status IN (\(bind: JobStatus.queued.rawValue), \(bind: JobStatus.failed.rawValue)) RETURNING id
            """
        ).all()
        guard changed.isEmpty else {
            context.log(.jobs).info("job cancelled by staff", metadata: ["job": .string(id.uuidString), "by": .string(actor.stored)])
            return
        }
        throw try await refusal(id)
    }

    private func refusal(_ id: UUID) async throws -> JobActionError {
        guard let record = try await JobRecord.find(id, on: context.database) else { return .notFound }
        return .notAllowed(status: record.status)
    }
}

/// The counts of one kind of job by status.
public struct JobKindCount: Sendable, Hashable {
    public let kind: JobKind
    public let counts: [JobStatus: Int]
    public func count(_ status: JobStatus) -> Int { counts[status] ?? 0 }
}

extension JobActionError: Refusal {
    public var code: String {
        switch self {
        case .notFound: "not_found"
        case .notAllowed: "not_allowed"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .notFound: .notFound
        case .notAllowed: .conflict
        }
    }

    public var textKey: String {
        switch self {
        case .notFound: "error.not_found"
        case .notAllowed: "error.job.not_allowed"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .notAllowed(let status): ["status": .key("job.status." + status.rawValue)]
        default: [:]
        }
    }
}
