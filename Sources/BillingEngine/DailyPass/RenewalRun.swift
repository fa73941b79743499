import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation
import Provisioning

/// The daily billing pass (FIN-7 from the balance): renews due services that auto-renew when the
/// balance suffices, expires those it cannot renew, resumes expired ones once the balance
/// allows, deletes those expired longer than the grace period, and sends the notices.
///
/// Work goes in chunks of services, each chunk in one database transaction with a fixed number
/// of queries (no query per service). Every charge carries the key
/// `renew:<service>:<period start>`, unique in `expenses` and in the ledger, so a second pass of
/// the same day, or two runners racing, charge nothing twice.
public struct RenewalRun: Sendable {
    let context: EngineContext
    let chunkSize: Int

    public init(context: EngineContext, chunkSize: Int = 500) {
        self.context = context
        self.chunkSize = chunkSize
    }

    /// What one pass did.
    public struct Summary: Sendable, Codable, Hashable {
        public var renewed = 0
        public var resumed = 0
        public var expired = 0
        public var deleted = 0
        public var notices = 0
        /// Charged amounts by currency code, in 1/10 000 units.
        public var charged: [String: Int64] = [:]
        /// Subscriptions charged to saved methods (FIN-9), and charges declined.
        public var subscriptionsCharged = 0
        public var subscriptionsDeclined = 0
        /// Balances topped up by autopayment (FIN-10).
        public var autopayments = 0
        /// Steps that failed and were left to a `daily.step` job (`Step` raw values).
        public var failedSteps: [String] = []

        public init() {}

        public init(from decoder: any Decoder) throws {
            // Summaries stored before `failedSteps` existed have no such key.
            let container = try decoder.container(keyedBy: CodingKeys.self)
            renewed = try container.decode(Int.self, forKey: .renewed)
            resumed = try container.decode(Int.self, forKey: .resumed)
            expired = try container.decode(Int.self, forKey: .expired)
            deleted = try container.decode(Int.self, forKey: .deleted)
            notices = try container.decode(Int.self, forKey: .notices)
            charged = try container.decode([String: Int64].self, forKey: .charged)
            subscriptionsCharged = try container.decodeIfPresent(Int.self, forKey: .subscriptionsCharged) ?? 0
            subscriptionsDeclined = try container.decodeIfPresent(Int.self, forKey: .subscriptionsDeclined) ?? 0
            autopayments = try container.decodeIfPresent(Int.self, forKey: .autopayments) ?? 0
            failedSteps = try container.decodeIfPresent([String].self, forKey: .failedSteps) ?? []
        }

        mutating func add(_ other: Summary) {
            renewed += other.renewed
            resumed += other.resumed
            expired += other.expired
            deleted += other.deleted
            notices += other.notices
            for (code, units) in other.charged { charged[code, default: 0] += units }
            subscriptionsCharged += other.subscriptionsCharged
            subscriptionsDeclined += other.subscriptionsDeclined
            autopayments += other.autopayments
        }
    }

    static let actor = Initiator.system(job: "renewals")

    /// One step of the pass for `date` (the daily run, or a `daily.step` job retrying it).
    func run(_ step: Step, on date: LocalDate, summary: inout Summary) async throws {
        let settings = try await BillingSettings.load(on: context.database)
        switch step {
        case .subscriptions: try await SubscriptionCharges(context: context).run(on: date, summary: &summary)
        case .autopayment: try await AutopaymentRun(context: context).run(on: date, settings: settings, summary: &summary)
        case .renewals: try await renewDue(on: date, settings: settings, summary: &summary)
        case .expiry: try await expireUnpaid(on: date, summary: &summary)
        case .deletion: try await deleteAfterGrace(on: date, settings: settings, summary: &summary)
        case .notices: try await noticeExpiring(on: date, settings: settings, summary: &summary)
        case .purge: try await APIIdempotency(context: context).purge()
        }
    }

    /// The steps of the daily pass, in the order they run. Each is idempotent for its date and
    /// runs on its own: one that fails is logged, left to a `daily.step` job of the queue (its
    /// retry ladder, its error on `/admin/jobs`), and the steps after it still run.
    public enum Step: String, Sendable, Codable, CaseIterable {
        /// Saved methods are charged first (a day ahead, sixty for domains)…
        case subscriptions
        /// …then autopayment tops up balances…
        case autopayment
        /// …so the balance renewals find the money.
        case renewals
        case expiry
        case deletion
        case notices
        /// Housekeeping: API idempotency keys older than a day.
        case purge
    }

    /// Runs the day's steps in order; a step that fails does not stop the others
    /// (`Summary.failedSteps`, and a `daily.step` job retries it).
    public func run(on date: LocalDate) async throws -> Summary {
        var summary = Summary()
        for step in Step.allCases {
            do {
                try await run(step, on: date, summary: &summary)
            } catch {
                summary.failedSteps.append(step.rawValue)
                context.log(.renewals).error(
                    "billing step failed",
                    metadata: ["step": .string(step.rawValue), "date": .string(date.iso), "error": .string("\(error)")])
                try await context.jobs.enqueue([JobQueue.dailyStepJob(step, on: date)], on: context.database)
            }
        }
        context.log(.renewals).info(
            "billing pass done",
            metadata: [
                "date": .string(date.iso), "renewed": .stringConvertible(summary.renewed),
                "resumed": .stringConvertible(summary.resumed), "expired": .stringConvertible(summary.expired),
                "deleted": .stringConvertible(summary.deleted), "notices": .stringConvertible(summary.notices),
                "subscriptions_charged": .stringConvertible(summary.subscriptionsCharged),
                "subscriptions_declined": .stringConvertible(summary.subscriptionsDeclined),
                "autopayments": .stringConvertible(summary.autopayments),
                "charged": .string(
                    summary.charged.sorted { $0.key < $1.key }
                        .compactMap { code, units in Currency.named(code).map { Money(units: units, currency: $0).description } }
                        .joined(separator: ", "))
            ])
        return summary
    }

    // MARK: renewals

    private func renewDue(on date: LocalDate, settings: BillingSettings, summary: inout Summary) async throws {
        var after = QueuePosition.start
        while let chunk = try await retrying({ try await renewChunk(on: date, after: after, settings: settings) }) {
            after = chunk.last
            summary.add(chunk.summary)
        }
    }

    /// Runs `body` again when it fails, up to five times: a racing runner or a client paying at
    /// the same moment rolled the chunk back, and reading it again sees their work.
    private func retrying<T>(_ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do { return try await body() } catch { if attempt >= 5 { throw error } }
        }
    }

    struct ChunkResult {
        let last: QueuePosition
        let summary: Summary
    }

    /// Where the pass stands in the renewal queue: services are taken in (expiry, number) order,
    /// the order of the partial index `services_renewal_queue`, so each chunk reads only its own
    /// rows. A service the pass could not renew stays behind the position and is not read again.
    package struct QueuePosition: Sendable {
        package let expiresOn: String
        package let number: Int
        package static let start = QueuePosition(expiresOn: "", number: 0)

        package init(expiresOn: String, number: Int) {
            self.expiresOn = expiresOn
            self.number = number
        }

        /// The condition and order of a chunk's query; the literal condition lets both databases
        /// use the partial index (a bound parameter would hide that the index covers the query).
        /// SQLite, without statistics, prefers `services_due` and a sort; it is told the index.
        package func chunk(dueOn date: LocalDate, limit: Int, on sql: any SQLDatabase) -> SQLQueryString {
            let index: SQLQueryString = sql.dialect.name == "sqlite" ? " INDEXED BY services_renewal_queue" : ""
            return """
                SELECT id, number, expires_on FROM services\(index) WHERE \(unsafeRaw: AddRenewalQueueIndex.condition)
                AND expires_on <= \(bind: date.iso)
                AND (expires_on, number) > (\(bind: expiresOn), \(bind: number))
                ORDER BY expires_on, number LIMIT \(unsafeRaw: String(limit))
                """
        }
    }

    /// Renews one chunk of due services after `after` in the queue; `nil` when none are left.
    private func renewChunk(on date: LocalDate, after: QueuePosition, settings: BillingSettings) async throws -> ChunkResult? {
        try await context.database.transaction { tx in
            let ctx = context.on(tx)
            let sql = tx.sql
            let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
            let ids = try await sql.raw("\(after.chunk(dueOn: date, limit: chunkSize, on: sql))\(lock)").all()
            guard let final = ids.last else { return nil }
            let last = QueuePosition(
                expiresOn: try final.decode(column: "expires_on", as: String.self), number: try final.decode(column: "number", as: Int.self)
            )
            // Plain reads: a chunk reads hundreds of rows, and Fluent's decoding reflects on every one.
            let services = try await ServiceRecord.plainRead(
                "SELECT \(ServiceRecord.columnList) FROM services WHERE id IN (\(binds: ids.map { try $0.decode(column: "id", as: UUID.self) })) ORDER BY number",
                on: sql)
            let accountIDs = Array(Set(services.map(\.accountID)))
            try await sql.raw("UPDATE accounts SET status = status WHERE id IN (\(binds: accountIDs))").run()
            let accounts = Dictionary(
                uniqueKeysWithValues: try await AccountRecord.plainRead(
                    "SELECT \(AccountRecord.columnList) FROM accounts WHERE id IN (\(binds: accountIDs))", on: sql
                ).map { ($0.id!, $0) })
            var powers = try await ctx.ledger.spendingPowers(of: accountIDs, on: tx)

            var plan = ChunkPlan(now: ctx.clock.now, date: date)
            for service in services {
                guard let account = accounts[service.accountID] else { continue }
                plan.renew(service, account: account, powers: &powers, taxMode: settings.taxMode)
            }
            let keys = plan.charges.map(\.key)
            if !keys.isEmpty {
                let existing = try await ExpenseRecord.query(on: tx).filter(\.$idempotencyKey ~~ keys).count()
                // Another runner renewed some of these between our read and now: start the chunk over.
                if existing > 0 { throw RunConflict() }
            }
            let postings = try plan.charges.compactMap { try $0.posting() }
            let transactionIDs = try await ctx.ledger.insertBatch(postings, actor: Self.actor, on: tx)
            var byKey: [String: UUID] = [:]
            for (posting, id) in zip(postings, transactionIDs) { byKey[posting.idempotencyKey] = id }
            try await BatchInsert.write(plan.charges.map { $0.expense(transactionID: byKey[$0.key], at: ctx.clock.now) }, on: sql)
            try await plan.applyUpdates(on: sql)
            try await plan.events.run(on: sql)
            // Expiry stopped these on their backends; paid again, they are started by a job.
            let resumed = Set(plan.resumed)
            try await ctx.jobs.enqueue(ServiceLifecycle.resumeJobs(services.filter { resumed.contains($0.id!) }, on: date), on: tx)
            let notices = try await Notices(context: ctx).renewed(plan.renewedServices, resumed: resumed, accounts: accounts, on: tx)
            var summary = Summary()
            summary.renewed = plan.renewedServices.count
            summary.resumed = plan.resumed.count
            summary.notices = notices
            for charge in plan.charges { summary.charged[charge.amount.gross.currency.code, default: 0] += charge.amount.gross.units }
            return ChunkResult(last: last, summary: summary)
        }
    }

    struct RunConflict: Error {}

    /// What a chunk will write, computed in memory from the rows read.
    struct ChunkPlan {
        let now: Date
        let date: LocalDate
        var charges: [Charge] = []
        var events = BatchInsert(of: ServiceEventRecord.self)
        var renewedServices: [(service: ServiceRecord, amount: Money, until: LocalDate)] = []
        /// Expired services this chunk brought back.
        var resumed: [UUID] = []
        /// Services grouped by the values their row gets, so a chunk is updated in a few statements.
        var continued: [UpdateKey: [UUID]] = [:]

        struct UpdateKey: Hashable {
            /// Whether the anchor restarts at `anchor` with `periods` paid (an expired service
            /// resumed), or `periods` are added to those paid.
            let reset: Bool
            let periods: Int
            let anchor: String
            let expiresOn: String
        }

        mutating func renew(_ service: ServiceRecord, account: AccountRecord, powers: inout SpendingPowers, taxMode: TaxMode) {
            let period = service.period
            let currency = service.currency
            guard var anchor = LocalDate(iso: service.anchorOn), let expires = LocalDate(iso: service.expiresOn)
            else { return }
            let wasExpired = service.status == ServiceStatus.expired
            // An expired service restarts today; a daily one that stood still restarts today too.
            let resetAnchor = wasExpired || (period == .day && expires < date)
            var start = resetAnchor ? date : expires
            var periods = resetAnchor ? 0 : service.periodsPaid
            if resetAnchor { anchor = start }
            let price = TaxedAmount(
                catalogAmount: service.money(\.recurringAmount),
                rate: VATTable.rate(forCountry: account.country), mode: taxMode)
            var paid = 0
            var total = Money.zero(currency)
            while start <= date, paid < 400 {
                guard powers[account.id!, currency].allows(price.gross) else { break }
                periods += 1
                let end = period.end(from: anchor, periods: periods)
                charges.append(
                    Charge(
                        accountID: account.id!, serviceID: service.id, summary: ServiceLifecycle.summary(service),
                        chargedOn: date, periodFrom: start, periodTo: end.adding(days: -1), amount: price,
                        key: "renew:\(service.id!.uuidString.lowercased()):\(start.iso)"))
                events.append(
                    ServiceEventRecord(
                        id: .timeOrdered(at: now), serviceID: service.id!, at: now, event: "renewed", fromStatus: service.status,
                        toStatus: wasExpired ? .active : service.status, actor: RenewalRun.actor,
                        note: "\(start.iso) – \(end.adding(days: -1).iso)"))
                powers[account.id!, currency].spend(price.gross)
                total += price.gross
                paid += 1
                start = end
            }
            guard paid > 0 else { return }
            continued[UpdateKey(reset: resetAnchor, periods: paid, anchor: anchor.iso, expiresOn: start.iso), default: []]
                .append(service.id!)
            if wasExpired {
                resumed.append(service.id!)
                events.append(
                    ServiceEventRecord(
                        id: .timeOrdered(at: now), serviceID: service.id!, at: now, event: ServiceEvent.renewalPaid.name,
                        fromStatus: .expired, toStatus: .active, actor: RenewalRun.actor))
            }
            renewedServices.append((service, total, start))
        }

        func applyUpdates(on sql: any SQLDatabase) async throws {
            for (key, ids) in continued {
                for slice in stride(from: 0, to: ids.count, by: 500) {
                    let part = Array(ids[slice..<min(slice + 500, ids.count)])
                    // Expired services come back as active; stopped ones stay stopped.
                    let periods: SQLQueryString =
                        key.reset
                        ? "anchor_on = \(bind: key.anchor), periods_paid = \(bind: key.periods)"
                        : "periods_paid = periods_paid + \(bind: key.periods)"
                    try await sql.raw(
                        """
                        UPDATE services SET \(periods), expires_on = \(bind: key.expiresOn), is_trial = \(bind: false),
                        expired_on = NULL, updated_at = \(bind: now),
                        status = CASE WHEN status = \(bind: ServiceStatus.expired.rawValue) THEN \(bind: ServiceStatus.active.rawValue) ELSE status END
                        WHERE id IN (\(binds: part))
                        """
                    ).run()
                }
            }
        }
    }
}
