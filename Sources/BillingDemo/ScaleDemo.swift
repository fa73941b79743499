import BillingDomain
import BillingEngine
import BillingStore
import FluentKit
import Foundation

/// `billing demo --scale N`: the demo provider, then N client accounts shaped like a real
/// provider's, for measuring pages and passes at size (issue 12). Each account has an owner who
/// can log in (`client<i>@scale.example`, password `scaleDemoPassword`), one to three services of
/// the catalog's plans, and half a year of history: a bank transfer credited, six monthly renewals
/// of its first service (an expense, a ledger transaction of three entries and a history event
/// each), about twenty ledger entries in all. One account in ten has an unpaid order, one service
/// in twenty expired unpaid.
///
/// Rows go in batches of `batchSize` accounts, one transaction each: records built as the engine
/// builds them, written as plain rows (`PlainRecord`, `BatchInsert`), and the ledger's batch
/// writer, so the kept balances equal the entries (`billing ledger check` passes on the result).
public struct ScaleDemo: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public static let scaleDemoPassword = "scale-client-2026"

    /// Where a fill stands, for the terminal's progress line: whole accounts a second and whole
    /// seconds left, counted in integer milliseconds.
    public struct Progress: Sendable {
        public let done: Int
        public let total: Int
        public let elapsed: Duration

        var milliseconds: Int64 { max(1, elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000) }
        public var perSecond: Int64 { Int64(done) * 1_000 / milliseconds }
        public var secondsLeft: Int64 { done == 0 ? 0 : Int64(total - done) * milliseconds / Int64(done) / 1_000 }
    }

    public enum Failure: Error, CustomStringConvertible {
        case notEmpty
        case noPricedPlans

        public var description: String {
            switch self {
            case .notEmpty: "the database already has accounts or staff; --scale fills an empty one"
            case .noPricedPlans: "the demo catalog has no plan with a monthly price in the provider's currency"
            }
        }
    }

    struct PricedPlan {
        let plan: PlanRecord
        let monthly: Money
    }

    public func fill(accounts count: Int, batchSize: Int = 1_000, progress: @Sendable (Progress) -> Void) async throws {
        guard try await DemoProvider(context: context).seedIfEmpty() else { throw Failure.notEmpty }
        let db = context.database
        let currency = context.provider.defaultCurrency
        let plans = try await pricedPlans(currency: currency)
        guard !plans.isEmpty else { throw Failure.noPricedPlans }
        let settings = try await BillingSettings.load(on: db)
        let passwordHash = try await context.passwords.hash(Self.scaleDemoPassword)
        let bank = try await PaymentMethodRecord.query(on: db).filter(\.$kind == .bankTransfer).filter(\.$currency == currency).first()
        var numbers = try await Numbers(context: context)
        let clock = ContinuousClock()
        let started = clock.now
        var done = 0
        while done < count {
            let size = min(batchSize, count - done)
            let batch = try makeBatch(
                from: done, count: size, plans: plans, currency: currency, taxMode: settings.taxMode, passwordHash: passwordHash,
                bankMethod: bank?.id, numbers: &numbers)
            try await db.transaction { tx in try await batch.write(on: tx, ledger: context.ledger) }
            done += size
            progress(Progress(done: done, total: count, elapsed: clock.now - started))
        }
    }

    private func pricedPlans(currency: Currency) async throws -> [PricedPlan] {
        let db = context.database
        let plans = try await PlanRecord.query(on: db).filter(\.$enabled == true).sort(\.$position).all()
        let prices = try await PriceRecord.query(on: db).filter(\.$ownerID ~~ plans.map { $0.id! }).filter(\.$period == .month)
            .filter(\.$currency == currency).all()
        let monthly = Dictionary(prices.map { ($0.ownerID, $0.amount) }, uniquingKeysWith: { first, _ in first })
        return plans.compactMap { plan in monthly[plan.id!].map { PricedPlan(plan: plan, monthly: Money(units: $0, currency: currency)) } }
    }

    /// The next free numbers of the numbered tables, taken once and counted up in memory.
    struct Numbers {
        var clientCode: Int
        var service: Int
        var payment: Int
        var order: Int

        init(context: EngineContext) async throws {
            let db = context.database
            clientCode = try await context.nextNumber(in: AccountRecord.schema, column: "client_code", floor: 100_000, on: db)
            service = try await context.nextNumber(in: ServiceRecord.schema, floor: 1_000, on: db)
            payment = try await context.nextNumber(in: PaymentRecord.schema, floor: 500_000, on: db)
            order = try await context.nextNumber(in: OrderRecord.schema, floor: 10_000, on: db)
        }
    }

    struct Batch: Sendable {
        var accounts: [AccountRecord] = []
        var users: [UserRecord] = []
        var services: [ServiceRecord] = []
        var payments: [PaymentRecord] = []
        var expenses: [ExpenseRecord] = []
        var events: [ServiceEventRecord] = []
        var orders: [OrderRecord] = []
        var items: [OrderItemRecord] = []
        var postings: [LedgerPosting] = []
        var postedAt: [Date] = []

        func write(on tx: any Database, ledger: Ledger) async throws {
            let sql = tx.sql
            try await BatchInsert.write(accounts, on: sql)
            try await BatchInsert.write(users, on: sql)
            try await BatchInsert.write(services, on: sql)
            try await BatchInsert.write(payments, on: sql)
            let ids = try await ledger.insertBatch(postings, actor: .system(job: "demo-scale"), at: postedAt, on: tx)
            let transactionOf = Dictionary(zip(postings.map(\.idempotencyKey), ids), uniquingKeysWith: { first, _ in first })
            for expense in expenses {
                // Paid from the balance by its own ledger transaction, as a renewal is.
                expense.ledgerTransactionID = transactionOf[expense.idempotencyKey]
                expense.paidAmount = expense.amount
            }
            try await BatchInsert.write(expenses, on: sql)
            try await BatchInsert.write(events, on: sql)
            try await BatchInsert.write(orders, on: sql)
            try await BatchInsert.write(items, on: sql)
        }
    }

    private func makeBatch(
        from first: Int, count: Int, plans: [PricedPlan], currency: Currency, taxMode: TaxMode, passwordHash: String,
        bankMethod: UUID?, numbers: inout Numbers
    ) throws -> Batch {
        let countries = ["DE", "DE", "UA", "UA", "PL", "NL", "FR", "CZ"]
        let languages: [Language] = [.en, .en, .uk, .uk, .en, .en, .en, .ru]
        let today = context.today
        let calendar = context.calendar
        let start = today.adding(months: -6)
        var batch = Batch()
        for index in first..<(first + count) {
            let number = index + 1
            let registeredOn = start.adding(days: -(index % 180))
            let account = AccountRecord(
                clientCode: numbers.clientCode, name: "Scale Client \(number)", country: countries[index % countries.count],
                registeredOn: registeredOn.iso, currency: currency, language: languages[index % languages.count],
                createdAt: calendar.startOf(registeredOn))
            numbers.clientCode += 1
            let accountID = account.id!
            batch.accounts.append(account)
            batch.users.append(
                UserRecord(
                    accountID: accountID, email: "client\(number)@scale.example", name: "Scale Client \(number)",
                    passwordHash: passwordHash, isOwner: true, createdAt: account.createdAt, emailConfirmedAt: account.createdAt))

            let rate = VATTable.rate(forCountry: account.country)
            var charged = Money.zero(currency)
            var firstService: ServiceRecord?
            var firstPrice: TaxedAmount?
            for serviceIndex in 0..<(1 + index % 3) {
                let priced = plans[(index * 7 + serviceIndex * 3) % plans.count]
                let expired = (index + serviceIndex) % 20 == 19
                // Six months paid; an expired one stopped two months ago and was not renewed.
                let paid = expired ? 4 : 6
                let service = ServiceRecord(
                    accountID: accountID, number: numbers.service, planID: priced.plan.id!, productType: priced.plan.productType,
                    planName: priced.plan.name, domainName: "host\(number)-\(serviceIndex + 1)", osImage: priced.plan.osList.first ?? "",
                    addons: "{}", status: expired ? .expired : .active, period: .month, currency: currency,
                    recurringAmount: priced.monthly.units, autoRenew: true, anchorOn: start.iso, periodsPaid: paid,
                    expiresOn: start.adding(months: paid).iso, isTrial: false, createdAt: calendar.startOf(start))
                if expired { service.expiredOn = start.adding(months: paid).iso }
                numbers.service += 1
                batch.services.append(service)
                if firstService == nil {
                    firstService = service
                    firstPrice = TaxedAmount(catalogAmount: priced.monthly, rate: rate, mode: taxMode)
                }
            }
            // Half a year of renewals of the first service: the engine's own shape of a charge.
            if let service = firstService, let price = firstPrice {
                for month in 0..<service.periodsPaid {
                    let from = start.adding(months: month)
                    let to = start.adding(months: month + 1).adding(days: -1)
                    let charge = Charge(
                        accountID: accountID, serviceID: service.id, summary: ServiceLifecycle.summary(service), chargedOn: from,
                        periodFrom: from, periodTo: to, amount: price,
                        key: "renew:\(service.id!.uuidString.lowercased()):\(from.iso)")
                    let at = calendar.startOf(from).addingTimeInterval(3_600)
                    if let posting = try charge.posting() {
                        batch.postings.append(posting)
                        batch.postedAt.append(at)
                    }
                    batch.expenses.append(charge.expense(transactionID: nil, at: at))
                    batch.events.append(
                        ServiceEventRecord(
                            serviceID: service.id!, at: at, event: "renewed", fromStatus: .active, toStatus: .active,
                            actor: .system(job: "renewals"), note: "\(from.iso) – \(to.iso)"))
                    charged += price.gross
                }
            }
            // A bank transfer that paid for it all, with something left over (one in seven owes a little).
            let leftover =
                index % 7 == 3 ? Money(units: -50_000, currency: currency) : Money(units: Int64(index % 50) * 10_000, currency: currency)
            let received = (charged + leftover).roundedToMinorUnit()
            if received.isPositive {
                let payment = PaymentRecord(
                    accountID: accountID, number: numbers.payment, methodID: bankMethod, channel: .method(.bankTransfer),
                    purpose: .topUp, currency: currency, amount: received.units, commission: 0, total: received.units, cashback: 0,
                    status: .credited, idempotencyKey: "scale:\(accountID.uuidString.lowercased())", createdAt: calendar.startOf(start))
                payment.creditedAt = payment.createdAt
                batch.payments.append(payment)
                batch.postings.append(
                    try .credit(
                        client: accountID, amount: received, from: .gatewayClearing("bank"), kind: .payment,
                        memo: "Payment #\(numbers.payment)", text: .payment(number: numbers.payment),
                        idempotencyKey: "payment:\(payment.id!.uuidString.lowercased())"))
                batch.postedAt.append(payment.createdAt)
                numbers.payment += 1
            }
            // One account in ten left an order unpaid.
            if index % 10 == 5 {
                let priced = plans[index % plans.count]
                let price = TaxedAmount(catalogAmount: priced.monthly, rate: rate, mode: taxMode)
                let order = OrderRecord(
                    accountID: accountID, number: numbers.order, currency: currency, total: price.gross.units, tax: price.tax.units,
                    paymentMethod: "balance", createdAt: calendar.startOf(today.adding(days: -(index % 9))))
                numbers.order += 1
                let item = OrderItemRecord(
                    accountID: accountID, kind: .new, planID: priced.plan.id!, period: .month, domainName: "new\(number)", osImage: "",
                    addons: "{}", trial: false, promoCode: nil, createdAt: order.createdAt)
                item.orderID = order.id
                item.amount = price.gross.units
                item.tax = price.tax.units
                batch.orders.append(order)
                batch.items.append(item)
            }
        }
        return batch
    }
}
