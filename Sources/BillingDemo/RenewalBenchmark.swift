import BillingDomain
import BillingEngine
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// `billing bench renewals`: fills an empty database with N active services due today (ten per
/// client, each client with enough money), then times one renewal pass.
public struct RenewalBenchmark: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public struct Result: Sendable {
        public let services: Int
        public let setupSeconds: Double
        public let runSeconds: Double
        public let summary: RenewalRun.Summary
        public var servicesPerSecond: Double { Double(services) / max(runSeconds, 0.000_001) }
    }

    public func run(services count: Int, chunkSize: Int = 500) async throws -> Result {
        let setup = try await setUp(services: count)
        let runStart = DispatchTime.now()
        let summary = try await RenewalRun(context: context, chunkSize: chunkSize).run(on: context.today)
        return Result(services: count, setupSeconds: setup, runSeconds: Self.seconds(since: runStart), summary: summary)
    }

    /// The raw ceiling of the same pass (`billing bench renewals` prints it beside the engine's):
    /// on a database set up the same way, the rows a renewal pass writes for `count` due services
    /// are written with plain SQL, in chunks of the same size, each chunk one transaction, with no
    /// engine logic (no prices computed, no rules asked, no models encoded). Per service that is
    /// what the engine writes: one ledger transaction with three entries (client, revenue, VAT),
    /// the client's kept balance, one expense, one history event, one "renewed" notice of the same
    /// length, and the service row updated. Returns the seconds it took.
    public func ceiling(services count: Int, chunkSize: Int = 500) async throws -> Double {
        _ = try await setUp(services: count)
        let today = context.today
        let now = context.clock.now
        let until = today.adding(months: 1)
        // What the setup's plan costs a German client: 10.00 a month, 19 % VAT included.
        let gross = Money(units: 100_000, currency: .EUR)
        let net = Money(units: 84_000, currency: .EUR)
        let tax = Money(units: 16_000, currency: .EUR)
        let actor = Initiator.system(job: "renewals").stored
        let start = DispatchTime.now()
        var done = RenewalRun.QueuePosition.start
        while true {
            let after = done
            let last: RenewalRun.QueuePosition? = try await context.database.transaction { tx in
                let sql = tx.sql
                // The pass's own walk of the queue (the same index, the same rows), then the
                // columns it writes from.
                let queue = try await sql.raw(after.chunk(dueOn: today, limit: chunkSize, on: sql)).all()
                guard let final = queue.last else { return nil }
                let rows = try await sql.raw(
                    """
                    SELECT id, account_id, number, plan_name, domain_name FROM services
                    WHERE id IN (\(binds: try queue.map { try $0.decode(column: "id", as: UUID.self) })) ORDER BY number
                    """
                ).all()
                var transactions = BatchInsert(
                    into: "ledger_transactions", columns: ["id", "idempotency_key", "kind", "memo", "text", "actor", "created_at"])
                var entries = BatchInsert(
                    into: "ledger_entries",
                    columns: ["id", "transaction_id", "account_code", "client_account_id", "amount", "currency", "created_at"])
                var expenses = BatchInsert(
                    into: "expenses",
                    columns: [
                        "id", "account_id", "service_id", "description", "charged_on", "period_from", "period_to", "amount", "tax",
                        "tax_rate", "currency", "paid_amount", "ledger_transaction_id", "idempotency_key", "created_at"
                    ])
                var events = BatchInsert(
                    into: "service_events", columns: ["id", "service_id", "at", "event", "from_status", "to_status", "actor", "note"])
                var notices = BatchInsert(
                    into: "email_outbox",
                    columns: [
                        "id", "account_id", "recipient", "subject", "body", "category", "status", "attempts", "created_at", "dedupe_key",
                        "language"
                    ])
                var mailJobs = BatchInsert(into: JobRecord.schema, columns: JobQueue.columns)
                var balances: [UUID: Int64] = [:]
                var serviceIDs: [UUID] = []
                for row in rows {
                    let service = try row.decode(column: "id", as: UUID.self)
                    let account = try row.decode(column: "account_id", as: UUID.self)
                    let number = try row.decode(column: "number", as: Int.self)
                    let summary =
                        "\(try row.decode(column: "plan_name", as: String.self)) · \(try row.decode(column: "domain_name", as: String.self)) #\(number)"
                    let key = "renew:\(service.uuidString.lowercased()):\(today.iso)"
                    let transaction = UUID.timeOrdered()
                    transactions.append([transaction, key, LedgerTransactionKind.charge.rawValue, summary, String?.none, actor, now])
                    entries.append([
                        UUID.timeOrdered(), transaction, LedgerAccount.clientBalance(account).code, account, gross.negated.units, "EUR", now
                    ])
                    entries.append([UUID.timeOrdered(), transaction, LedgerAccount.revenue.code, UUID?.none, net.units, "EUR", now])
                    entries.append([UUID.timeOrdered(), transaction, LedgerAccount.taxPayable.code, UUID?.none, tax.units, "EUR", now])
                    balances[account, default: 0] -= gross.units
                    expenses.append([
                        UUID.timeOrdered(), account, service, summary, today.iso, today.iso, until.adding(days: -1).iso, gross.units,
                        tax.units, Int64(1_900), "EUR", gross.units, transaction, key, now
                    ])
                    events.append([
                        UUID.timeOrdered(), service, now, "renewed", ServiceStatus.active.rawValue, ServiceStatus.active.rawValue, actor,
                        "\(today.iso) – \(until.adding(days: -1).iso)"
                    ])
                    let arguments = [
                        "service": summary, "date": until.adding(days: -1).iso, "amount": MoneyFormat.format(gross, language: .en),
                        "provider": context.provider.name, "name": "Bench"
                    ]
                    let message = UUID.timeOrdered()
                    mailJobs.append(JobQueue.row(JobQueue.mailJob(messageID: message, accountID: account), now: now))
                    notices.append([
                        message, account, "bench\(number)@example.com",
                        context.texts.text("email.renewed.subject", .en, arguments),
                        context.texts.text("email.renewed.body", .en, arguments),
                        MailCategory.services.rawValue, OutboxStatus.queued.rawValue, 0, now,
                        "renewed:\(service.uuidString.lowercased()):\(until.iso)", Language.en.rawValue
                    ])
                    serviceIDs.append(service)
                }
                try await transactions.run(on: sql)
                try await entries.run(on: sql)
                var kept = BatchInsert(into: "client_balances", columns: ["account_id", "currency", "balance"])
                for (account, delta) in balances.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
                    kept.append([account, "EUR", delta])
                }
                for start in stride(from: 0, to: kept.rows.count, by: 500) {
                    let values = kept.rows[start..<min(start + 500, kept.rows.count)].map { row -> SQLQueryString in "(\(binds: row))" }
                    try await sql.raw(
                        """
                        INSERT INTO client_balances (account_id, currency, balance) VALUES \(values.joined(separator: ", "))
                        ON CONFLICT (account_id, currency) DO UPDATE SET balance = client_balances.balance + excluded.balance
                        """
                    ).run()
                }
                try await expenses.run(on: sql)
                try await sql.raw(
                    """
                    UPDATE services SET periods_paid = periods_paid + 1, expires_on = \(bind: until.iso), is_trial = \(bind: false),
                    expired_on = NULL, updated_at = \(bind: now) WHERE id IN (\(binds: serviceIDs))
                    """
                ).run()
                try await events.run(on: sql)
                try await notices.run(on: sql)
                try await mailJobs.run(on: sql)
                return RenewalRun.QueuePosition(
                    expiresOn: try final.decode(column: "expires_on", as: String.self),
                    number: try final.decode(column: "number", as: Int.self))
            }
            guard let last else { break }
            done = last
        }
        return Self.seconds(since: start)
    }

    /// What a pass wrote, to compare the ceiling's writes with the engine's: rows per table, and
    /// the sums of the money columns.
    public func written() async throws -> [String: Int64] {
        let sql = context.database.sql
        var figures: [String: Int64] = [:]
        for table in ["ledger_transactions", "ledger_entries", "expenses", "service_events", "email_outbox", "jobs"] {
            figures[table] = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int64.self)
        }
        for (name, query) in [
            ("client_balances.sum", "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) AS n FROM client_balances"),
            ("ledger_entries.sum_negative", "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS n FROM ledger_entries WHERE amount < 0"),
            ("expenses.sum", "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS n FROM expenses"),
            ("services.periods_paid", "SELECT CAST(COALESCE(SUM(periods_paid), 0) AS BIGINT) AS n FROM services"),
            ("services.due", "SELECT COUNT(*) AS n FROM services WHERE expires_on <= \(bind: context.today.iso)")
        ] as [(String, SQLQueryString)] {
            figures[name] = try await sql.raw(query).first()?.decode(column: "n", as: Int64.self)
        }
        return figures
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// Fills an empty database with `count` active monthly services due today, ten per client,
    /// each client with enough money. Returns the seconds it took.
    func setUp(services count: Int) async throws -> Double {
        let db = context.database
        let setupStart = DispatchTime.now()
        let today = context.today
        let now = context.clock.now
        let plan = PlanRecord(productType: ProductType.vps, name: "Bench VPS", summary: "", createdAt: now)
        try await plan.create(on: db)
        let price = Money(major: 10, .EUR)
        try await PriceRecord(ownerID: plan.id!, period: BillingPeriod.month, currency: .EUR, amount: price.units).create(on: db)
        let clients = max(1, count / 10)
        var made = 0
        var accountNumber = 0
        while made < count {
            var accounts: [AccountRecord] = []
            var users: [UserRecord] = []
            var postings: [LedgerPosting] = []
            var services: [ServiceRecord] = []
            for _ in 0..<min(500, clients - accountNumber + 1) where made < count {
                accountNumber += 1
                let account = AccountRecord(
                    clientCode: 10_000 + accountNumber, name: "Bench client \(accountNumber)", country: "DE",
                    registeredOn: today.iso, currency: .EUR, language: .en, createdAt: now)
                accounts.append(account)
                users.append(
                    UserRecord(
                        accountID: account.id!, email: "bench\(accountNumber)@example.com", name: "Bench",
                        passwordHash: "-", isOwner: true, createdAt: now))
                postings.append(
                    try .credit(
                        client: account.id!, amount: Money(major: 1_000, .EUR), from: .openingBalances,
                        kind: .openingBalance, memo: "Bench", idempotencyKey: "bench:\(account.id!)"))
                for _ in 0..<10 where made < count {
                    made += 1
                    let anchor = today.adding(months: -1)
                    services.append(
                        ServiceRecord(
                            accountID: account.id!, number: 1000 + made, planID: plan.id!,
                            productType: ProductType.vps, planName: plan.name,
                            domainName: "bench\(made)", osImage: "", addons: "{}",
                            status: ServiceStatus.active, period: BillingPeriod.month,
                            currency: .EUR, recurringAmount: price.units, autoRenew: true,
                            anchorOn: anchor.iso, periodsPaid: 1, expiresOn: today.iso, isTrial: false, createdAt: now))
                }
            }
            let batch = (accounts, users, postings, services)
            try await db.transaction { tx in
                try await BatchInsert.write(batch.0, on: tx.sql)
                try await BatchInsert.write(batch.1, on: tx.sql)
                _ = try await context.ledger.insertBatch(batch.2, actor: .system(job: "bench"), on: tx)
                try await BatchInsert.write(batch.3, on: tx.sql)
            }
        }
        return Self.seconds(since: setupStart)
    }
}
