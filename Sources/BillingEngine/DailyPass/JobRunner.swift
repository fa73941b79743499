import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// Runs the daily jobs from the `scheduled_jobs` table. Each billing date has one row per job
/// kind; a runner takes it with a lease (an atomic UPDATE … WHERE the lease is free), so of
/// several instances exactly one works on it, and a runner that died loses its lease after
/// `leaseSeconds`. The work itself is idempotent per service and period, so even an expired
/// lease taken over mid-run charges nothing twice.
public struct JobRunner: Sendable {
    let context: EngineContext
    let owner: String
    let leaseSeconds: TimeInterval

    public static let billingKind = "daily_billing"

    public init(
        context: EngineContext, owner: String = "runner-" + UUID().uuidString.prefix(8).lowercased(),
        leaseSeconds: TimeInterval = 15 * 60
    ) {
        self.context = context
        self.owner = owner
        self.leaseSeconds = leaseSeconds
    }

    /// What one call did: nothing (already done or leased by another runner) or a pass.
    public enum Outcome: Sendable, Equatable {
        case alreadyDone
        case leasedElsewhere
        case ran(RenewalRun.Summary)
    }

    /// Runs today's billing pass if it has not run yet (`billing jobs --once`, and the in-process
    /// scheduler every minute).
    @discardableResult
    public func runDue() async throws -> Outcome {
        let today = context.today
        try await ensureJob(kind: Self.billingKind, on: today)
        let sql = context.database.sql
        let now = context.clock.now
        let claimed = try await sql.raw(
            """
            UPDATE scheduled_jobs SET lease_owner = \(bind: owner), lease_until = \(bind: now.addingTimeInterval(leaseSeconds)),
            attempts = attempts + 1
            WHERE kind = \(bind: Self.billingKind) AND run_on = \(bind: today.iso) AND status = \(bind: "pending")
            AND (lease_until IS NULL OR lease_until < \(bind: now)) RETURNING id
            """
        ).all()
        guard let row = claimed.first else {
            let job = try await ScheduledJobRecord.query(on: context.database).filter(\.$kind == Self.billingKind)
                .filter(\.$runOn == today.iso).first()
            return job?.status == .done ? .alreadyDone : .leasedElsewhere
        }
        let id = try row.decode(column: "id", as: UUID.self)
        let log = context.log(.jobs)
        let started = ContinuousClock.now
        log.info("job started", metadata: ["job": .string(Self.billingKind), "date": .string(today.iso), "runner": .string(owner)])
        do {
            // Each step on its own: a failing one is left to a `daily.step` job, the rest run.
            let summary = try await RenewalRun(context: context).run(on: today)
            let encoded = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
            try await sql.raw(
                """
                UPDATE scheduled_jobs SET status = 'done', summary = \(bind: encoded), finished_at = \(bind: context.clock.now),
                lease_until = NULL WHERE id = \(bind: id) AND lease_owner = \(bind: owner)
                """
            ).run()
            log.info(
                "job finished",
                metadata: [
                    "job": .string(Self.billingKind), "date": .string(today.iso),
                    "duration": .stringConvertible(ContinuousClock.now - started)
                ])
            return .ran(summary)
        } catch {
            log.error(
                "job failed", metadata: ["job": .string(Self.billingKind), "date": .string(today.iso), "error": .string("\(error)")])
            try? await sql.raw(
                """
                UPDATE scheduled_jobs SET last_error = \(bind: String(String(describing: error).prefix(500))), lease_until = NULL
                WHERE id = \(bind: id) AND lease_owner = \(bind: owner)
                """
            ).run()
            throw error
        }
    }

    private func ensureJob(kind: String, on date: LocalDate) async throws {
        if try await ScheduledJobRecord.query(on: context.database).filter(\.$kind == kind).filter(\.$runOn == date.iso).first() != nil {
            return
        }
        do {
            try await ScheduledJobRecord(kind: kind, runOn: date.iso, createdAt: context.clock.now).create(on: context.database)
        } catch {
            // Another instance created it first: the unique (kind, run_on) refused ours.
            guard
                try await ScheduledJobRecord.query(on: context.database).filter(\.$kind == kind).filter(\.$runOn == date.iso).first() != nil
            else { throw error }
        }
    }

    /// The latest jobs, for the staff page.
    /// The latest runs, newest first, for the billing page.
    public static func recent(limit: Int = 30, context: EngineContext) async throws -> [JobRun] {
        try await recent(limit: limit, on: context.database).map(JobRun.init)
    }

    public static func recent(limit: Int = 30, on db: any Database) async throws -> [ScheduledJobRecord] {
        try await ScheduledJobRecord.query(on: db).sort(\.$runOn, .descending).limit(limit).all()
    }
}
