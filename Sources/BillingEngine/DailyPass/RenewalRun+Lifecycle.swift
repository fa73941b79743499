import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation
import Provisioning

extension RenewalRun {
    /// Services whose paid period ended and that were not renewed become Expired (the seeds'
    /// "suspended for non-payment"); the client is told, and a job (queued with the change) has
    /// the module stop them.
    func expireUnpaid(on date: LocalDate, summary: inout Summary) async throws {
        while true {
            let (stopped, notices): ([ServiceRecord], Int) = try await context.database.transaction { tx in
                let ctx = context.on(tx)
                let services = try await ServiceRecord.query(on: tx)
                    .filter(\.$status ~~ [ServiceStatus.active, .stoppedByClient])
                    .filter(\.$expiresOn <= date.iso).sort(\.$number).limit(chunkSize).all()
                guard !services.isEmpty else { return ([], 0) }
                let sql = tx.sql
                let ids = services.map { $0.id! }
                try await sql.raw(
                    """
                    UPDATE services SET status = \(bind: ServiceStatus.expired.rawValue), operation = NULL, expired_on = \(bind: date.iso),
                    updated_at = \(bind: ctx.clock.now) WHERE id IN (\(binds: ids))
                    """
                ).run()
                let events = services.map {
                    ServiceEventRecord(
                        serviceID: $0.id!, at: ctx.clock.now, event: ServiceEvent.expired.name, fromStatus: $0.status,
                        toStatus: .expired, actor: Self.actor)
                }
                try await events.create(on: tx)
                let accounts = try await Self.accounts(of: services, on: tx)
                let sent = try await Notices(context: ctx).send(
                    services.map { service in
                        Notices.Notice(
                            accountID: service.accountID, template: "expired",
                            dedupeKey: "expired:\(service.id!.uuidString.lowercased()):\(date.iso)",
                            arguments: ["service": ServiceLifecycle.summary(service), "date": date.iso])
                    }, accounts: accounts, on: tx)
                try await ctx.jobs.enqueue(
                    services.map { service in
                        JobQueue.serviceJob(
                            .serviceStop, service: service, reason: .expiry,
                            key: "expire:\(service.id!.uuidString.lowercased()):\(date.iso)")
                    }, on: tx)
                return (services, sent)
            }
            guard !stopped.isEmpty else { return }
            summary.notices += notices
            summary.expired += stopped.count
        }
    }

    /// Expired services kept longer than the grace period go to Processing (deletion) with their
    /// "delete" jobs, a chunk in one transaction; the job makes each Deleted when its module has
    /// deleted it, and tells the client. `summary.deleted` counts the deletions started.
    func deleteAfterGrace(on date: LocalDate, settings: BillingSettings, summary: inout Summary) async throws {
        let cutoff = date.adding(days: -settings.graceDays).iso
        while true {
            let started: Int = try await context.database.transaction { tx in
                let due = try await ServiceRecord.query(on: tx).filter(\.$status == ServiceStatus.expired)
                    .filter(\.$expiredOn <= cutoff).sort(\.$number).limit(chunkSize).all()
                guard !due.isEmpty else { return 0 }
                try await setStatus(
                    of: due, from: ServiceState(.expired), event: .deletionRequested, actor: Self.actor,
                    note: "grace period ended", on: tx)
                try await context.jobs.enqueue(
                    due.map { service in
                        JobQueue.serviceJob(
                            .serviceDelete, service: service, reason: .grace, key: "grace:\(service.id!.uuidString.lowercased())")
                    }, on: tx)
                return due.count
            }
            guard started > 0 else { return }
            summary.deleted += started
        }
    }

    /// Applies one event to services that are all in `from` (the status machine decides the new
    /// state), in one UPDATE, with their history lines in one insert, on the caller's transaction.
    func setStatus(
        of services: [ServiceRecord], from: ServiceState, event: ServiceEvent, actor: Initiator,
        note: String, on tx: any Database
    ) async throws {
        let state = try from.applying(event)
        let now = context.clock.now
        try await tx.sql.raw(
            """
            UPDATE services SET status = \(bind: state.status.rawValue), operation = \(bind: state.operation?.rawValue),
            updated_at = \(bind: now) WHERE id IN (\(binds: services.map { $0.id! }))
            """
        ).run()
        try await services.map { service in
            ServiceEventRecord(
                serviceID: service.id!, at: now, event: event.name, fromStatus: from.status,
                toStatus: state.status, actor: actor, note: note)
        }.create(on: tx)
        for service in services {
            service.status = state.status
            service.operation = state.operation
        }
    }

    /// "Expires soon" notices, `noticeDays` before the end of the paid period.
    func noticeExpiring(on date: LocalDate, settings: BillingSettings, summary: inout Summary) async throws {
        guard settings.noticeDays > 0 else { return }
        let day = date.adding(days: settings.noticeDays)
        var after = 0
        while true {
            let services = try await ServiceRecord.query(on: context.database)
                .filter(\.$status ~~ [ServiceStatus.active, .stoppedByClient])
                .filter(\.$expiresOn == day.iso).filter(\.$number > after).sort(\.$number).limit(chunkSize).all()
            guard let last = services.last else { return }
            after = last.number
            let accounts = try await Self.accounts(of: services, on: context.database)
            let taxMode = settings.taxMode
            summary.notices += try await Notices(context: context).send(
                services.compactMap { service in
                    guard let account = accounts[service.accountID] else { return nil }
                    let price = TaxedAmount(
                        catalogAmount: service.money(\.recurringAmount),
                        rate: VATTable.rate(forCountry: account.country), mode: taxMode)
                    return Notices.Notice(
                        accountID: service.accountID, template: service.autoRenew ? "expiring_auto" : "expiring",
                        dedupeKey: "expiring:\(service.id!.uuidString.lowercased()):\(day.iso)",
                        arguments: ["service": ServiceLifecycle.summary(service), "date": day.iso], amounts: ["amount": price.gross])
                }, accounts: accounts, on: context.database)
        }
    }

    static func accounts(of services: [ServiceRecord], on db: any Database) async throws -> [UUID: AccountRecord] {
        let ids = Array(Set(services.map(\.accountID)))
        return Dictionary(uniqueKeysWithValues: try await AccountRecord.query(on: db).filter(\.$id ~~ ids).all().map { ($0.id!, $0) })
    }
}

/// Service notices to the owner of an account, in the account's language, through the outbox.
/// Each carries a dedupe key; a notice whose key exists is not queued again.
struct Notices: Sendable {
    let context: EngineContext

    struct Notice: Sendable {
        let accountID: UUID
        /// `renewed`, `expired`, `deleted`, `expiring`, `expiring_auto`: texts `email.<template>.subject/body`.
        let template: String
        let dedupeKey: String
        let arguments: [String: String]
        /// Amounts, written as the reader writes them when the message is made (the owner's
        /// language, the same as the text's).
        var amounts: [String: Money] = [:]
        /// The e-mail's category (the notification settings of the support issue choose by it).
        var category: MailCategory = .services
    }

    /// A notice about money (an order paid, a payment received, a refund), with amounts written
    /// as the reader writes them.
    static func money(
        _ template: String, account: AccountRecord, key: String, arguments: [String: String] = [:], amounts: [String: Money]
    ) -> Notice {
        Notice(accountID: account.id!, template: template, dedupeKey: key, arguments: arguments, amounts: amounts, category: .finance)
    }

    /// Queues the notices (in one insert) and returns how many were new.
    @discardableResult
    func send(_ notices: [Notice], accounts: [UUID: AccountRecord], on db: any Database) async throws -> Int {
        guard !notices.isEmpty else { return 0 }
        let keys = notices.map(\.dedupeKey)
        let existing = Set(
            try await db.sql.raw("SELECT dedupe_key FROM email_outbox WHERE dedupe_key IN (\(binds: keys))").all()
                .map { try $0.decode(column: "dedupe_key", as: String.self) })
        let fresh = notices.filter { !existing.contains($0.dedupeKey) }
        guard !fresh.isEmpty else { return 0 }
        let accountIDs = Array(Set(fresh.map(\.accountID)))
        let owners = try await UserRecord.plainRead(
            "SELECT \(UserRecord.columnList) FROM users WHERE account_id IN (\(binds: accountIDs)) AND is_owner = \(bind: true)", on: db.sql
        )
        let ownerOf = Dictionary(owners.map { ($0.accountID, $0) }, uniquingKeysWith: { first, _ in first })
        var seen = Set<String>()
        let now = context.clock.now
        var rows = BatchInsert(
            into: OutboxEmailRecord.schema,
            columns: [
                "id", "account_id", "recipient", "subject", "body", "category", "status", "attempts", "created_at", "dedupe_key", "language"
            ])
        var jobs = BatchInsert(into: JobRecord.schema, columns: JobQueue.columns)
        for notice in fresh {
            guard seen.insert(notice.dedupeKey).inserted, let owner = ownerOf[notice.accountID] else { continue }
            let language = owner.language ?? accounts[notice.accountID]?.language ?? .en
            var arguments = notice.arguments
            arguments["provider"] = context.provider.name
            arguments["name"] = owner.name
            for (name, amount) in notice.amounts { arguments[name] = MoneyFormat.format(amount, language: language) }
            // The columns an `OutboxEmailRecord` of a new notice sets; the rest start empty.
            let messageID = UUID.timeOrdered(at: now)
            jobs.append(JobQueue.row(JobQueue.mailJob(messageID: messageID, accountID: notice.accountID), now: now))
            rows.append([
                messageID, notice.accountID, owner.email,
                context.texts.text("email.\(notice.template).subject", language, arguments),
                context.texts.text("email.\(notice.template).body", language, arguments), notice.category.rawValue,
                OutboxStatus.queued.rawValue, 0, now, notice.dedupeKey, language.rawValue
            ])
        }
        try await rows.run(on: db.sql)
        try await jobs.run(on: db.sql)
        return rows.rows.count
    }

    /// "Renewed" notices for the services a chunk renewed; an expired service paid again is
    /// "resumed" (it is being switched back on), not merely renewed.
    func renewed(
        _ renewed: [(service: ServiceRecord, amount: Money, until: LocalDate)], resumed: Set<UUID> = [],
        accounts: [UUID: AccountRecord], on db: any Database
    ) async throws -> Int {
        try await send(
            renewed.map { entry in
                let template = resumed.contains(entry.service.id!) ? "resumed" : "renewed"
                return Notice(
                    accountID: entry.service.accountID, template: template,
                    dedupeKey: "\(template):\(entry.service.id!.uuidString.lowercased()):\(entry.until.iso)",
                    arguments: ["service": ServiceLifecycle.summary(entry.service), "date": entry.until.adding(days: -1).iso],
                    amounts: ["amount": entry.amount])
            }, accounts: accounts, on: db)
    }
}
