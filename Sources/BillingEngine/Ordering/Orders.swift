import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// A cart line with its current price, or the reason it can no longer be ordered (the plan was
/// disabled, a promo code expired …).
public struct CartLine: Sendable {
    public let item: OrderItem
    public let priced: PricedConfiguration?
    public let problem: OrderError?
}

/// A cart line with the stored item, for the use cases that change it.
struct StoredCartLine: Sendable {
    let item: OrderItemRecord
    let priced: PricedConfiguration?
    let problem: OrderError?
}

/// The cart (CAT-3): items not yet checked out, priced afresh each time they are shown.
public struct Cart: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// Adds a configuration to the cart after pricing it (so an invalid one never gets in).
    @discardableResult
    public func add(_ configuration: OrderConfiguration, caller: Caller) async throws -> OrderItem {
        let account = try await context.record(of: try caller.account(for: .orderServices))
        let priced = try await OrderPricing(context: context).price(configuration, for: context.value(account))
        let config = priced.configuration
        let item = OrderItemRecord(
            accountID: account.id!, kind: .new, planID: config.planID, period: config.period,
            domainName: config.domainName, osImage: config.osImage, addons: config.addonsJSON,
            trial: config.trial, promoCode: config.promoCode?.uppercased(), quick: config.quick, createdAt: context.clock.now)
        try await item.create(on: context.database)
        return OrderItem(item, currency: account.currency)
    }

    /// Replaces a cart item's configuration.
    public func update(itemID: UUID, with configuration: OrderConfiguration, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: .orderServices))
        let item = try await cartItem(itemID, account: account)
        let priced = try await OrderPricing(context: context).price(configuration, for: context.value(account))
        let config = priced.configuration
        item.planID = config.planID
        item.period = config.period
        item.domainName = config.domainName
        item.osImage = config.osImage
        item.addons = config.addonsJSON
        item.trial = config.trial
        item.promoCode = config.promoCode?.uppercased()
        // Edited with its name, a quick order is an order like the others.
        item.quick = config.quick
        try await item.update(on: context.database)
    }

    public func remove(itemID: UUID, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: .orderServices))
        try await cartItem(itemID, account: account).delete(on: context.database)
    }

    /// Applies a promo code to every cart item it is valid for; refuses it if it fits none.
    public func applyPromo(_ code: String, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: .orderServices))
        let lines = try await storedLines(account: account)
        var applied = 0
        var lastRefusal = OrderError.promo(.unknown)
        for line in lines where line.item.kind == .new {
            guard var config = configuration(of: line.item) else { continue }
            config.promoCode = code
            do {
                _ = try await OrderPricing(context: context).price(config, for: context.value(account))
                line.item.promoCode = code.trimmingCharacters(in: .whitespaces).uppercased()
                try await line.item.update(on: context.database)
                applied += 1
            } catch let error as OrderError {
                lastRefusal = error
            }
        }
        if applied == 0 { throw lines.isEmpty ? OrderError.emptyCart : lastRefusal }
    }

    /// The cart's items, oldest first, each priced now.
    public func lines(caller: Caller) async throws -> [CartLine] {
        let account = try await context.record(of: try caller.account(for: .orderServices))
        let currency = account.currency
        return try await storedLines(account: account).map {
            CartLine(item: OrderItem($0.item, currency: currency), priced: $0.priced, problem: $0.problem)
        }
    }

    /// One item of the cart (not yet checked out), to open its form again.
    public func item(_ id: UUID, caller: Caller) async throws -> OrderItem? {
        let account = try await context.record(of: try caller.account(for: .orderServices))
        guard let item = try await OrderItemRecord.find(id, on: context.database), item.accountID == account.id!, item.orderID == nil
        else { return nil }
        return OrderItem(item, currency: account.currency)
    }

    func storedLines(account: AccountRecord) async throws -> [StoredCartLine] {
        let items = try await OrderItemRecord.query(on: context.database).filter(\.$accountID == account.id!)
            .filter(\.$orderID == nil).sort(\.$createdAt).all()
        let settings = try await BillingSettings.load(on: context.database)
        var lines: [StoredCartLine] = []
        for item in items {
            do {
                let priced = try await Orders(context: context).price(item, account: account, settings: settings)
                lines.append(StoredCartLine(item: item, priced: priced, problem: nil))
            } catch let error as OrderError {
                lines.append(StoredCartLine(item: item, priced: nil, problem: error))
            }
        }
        return lines
    }

    func cartItem(_ id: UUID, account: AccountRecord) async throws -> OrderItemRecord {
        guard let item = try await OrderItemRecord.find(id, on: context.database), item.accountID == account.id!,
            item.orderID == nil
        else { throw OrderError.itemNotFound }
        return item
    }

    func configuration(of item: OrderItemRecord) -> OrderConfiguration? {
        let period = item.period
        return OrderConfiguration(
            planID: item.planID, period: period, addons: OrderConfiguration.addons(fromJSON: item.addons),
            domainName: item.domainName, osImage: item.osImage, trial: item.trial, promoCode: item.promoCode, quick: item.quick)
    }
}

/// Orders (CAT-4): checkout freezes the cart's prices into an order; paying it charges the
/// balance, creates or extends the services and opens the new ones.
public struct Orders: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// Prices an item: a new service from the catalog, a renewal from the service's price.
    func price(_ item: OrderItemRecord, account: AccountRecord, settings: BillingSettings) async throws -> PricedConfiguration {
        if item.kind == .renewal { return try await renewalPrice(item, account: account, settings: settings) }
        guard let configuration = Cart(context: context).configuration(of: item) else { throw OrderError.periodNotOffered }
        return try await OrderPricing(context: context).price(configuration, for: context.value(account), settings: settings)
    }

    private func renewalPrice(_ item: OrderItemRecord, account: AccountRecord, settings: BillingSettings) async throws
        -> PricedConfiguration
    {
        guard let serviceID = item.serviceID, let service = try await ServiceRecord.find(serviceID, on: context.database),
            let offer = try await Catalog(context: context).offer(planID: service.planID, currency: service.currency)
        else { throw OrderError.unknownPlan }
        let period = service.period
        let currency = service.currency
        let recurring = service.money(\.recurringAmount)
        let from = ServiceLifecycle.renewalStart(service, today: context.today)
        let quote = Quote.make(
            components: [(key: "plan", name: service.planName, quantity: nil, included: nil, perPeriod: recurring)],
            currency: currency, period: period, firstPeriodEnds: period.end(from: from), share: .one, trial: false,
            promo: nil, taxRate: VATTable.rate(forCountry: account.country), taxMode: settings.taxMode)
        let configuration = OrderConfiguration(
            planID: service.planID, period: period, domainName: service.domainName,
            osImage: service.osImage)
        return PricedConfiguration(offer: offer, configuration: configuration, amounts: [:], quote: quote, promo: nil)
    }

    /// Turns cart items (all, or those named) into a pending order with frozen prices; pays it
    /// from the balance when `payFromBalance`. `paymentMethod` is fixed here for good (CAT-5):
    /// `balance` or a payment method's id. Returns the order.
    @discardableResult
    public func checkout(
        caller: Caller, itemIDs: [UUID]? = nil, payFromBalance: Bool, paymentMethod: String = "balance"
    ) async throws -> Order {
        let account = try await context.record(of: try caller.account(for: .orderServices))
        return try await checkout(
            account: account, itemIDs: itemIDs, payFromBalance: payFromBalance, paymentMethod: paymentMethod, actor: caller.initiator)
    }

    private func checkout(
        account: AccountRecord, itemIDs: [UUID]?, payFromBalance: Bool, paymentMethod: String, actor: Initiator
    ) async throws -> Order {
        var lines = try await Cart(context: context).storedLines(account: account)
        if let itemIDs { lines = lines.filter { itemIDs.contains($0.item.id!) } }
        guard !lines.isEmpty else { throw OrderError.emptyCart }
        if let problem = lines.compactMap(\.problem).first { throw problem }
        let currency = account.currency
        let total = Money.sum(lines.map { $0.priced!.quote.dueNow.gross }, currency: currency)
        let tax = Money.sum(lines.map { $0.priced!.quote.dueNow.tax }, currency: currency)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let checkedOut = lines
        let order: OrderRecord = try await context.database.transaction { tx in
            let number = try await context.nextNumber(in: OrderRecord.schema, floor: 100_000, on: tx)
            let order = OrderRecord(
                accountID: account.id!, number: number, currency: currency, total: total.units,
                tax: tax.units, paymentMethod: paymentMethod, createdAt: context.clock.now)
            try await order.create(on: tx)
            for line in checkedOut {
                let priced = line.priced!
                line.item.orderID = order.id
                line.item.quote = String(decoding: try encoder.encode(priced.quote), as: UTF8.self)
                line.item.amount = priced.quote.dueNow.gross.units
                line.item.tax = priced.quote.dueNow.tax.units
                line.item.addons = priced.configuration.addonsJSON
                line.item.domainName = priced.configuration.domainName
                line.item.osImage = priced.configuration.osImage
                try await line.item.update(on: tx)
            }
            return order
        }
        if payFromBalance { try await pay(orderID: order.id!, account: account, actor: actor) }
        return Order(try await OrderRecord.find(order.id!, on: context.database) ?? order, fallback: currency)
    }

    /// A service's next period as a pending order (SVC-1 "extend": the payment request).
    @discardableResult
    public func requestRenewal(serviceID: UUID, caller: Caller, paymentMethod: String = "balance") async throws -> Order {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.extend.right))
        return try await requestRenewal(serviceID: serviceID, account: account, paymentMethod: paymentMethod, actor: caller.initiator)
    }

    func requestRenewal(serviceID: UUID, account: AccountRecord, paymentMethod: String, actor: Initiator) async throws
        -> Order
    {
        guard let service = try await ServiceRecord.find(serviceID, on: context.database), service.accountID == account.id!,
            service.status.renewable || service.status == .stoppedByAdmin
        else { throw OrderError.itemNotFound }
        // One renewal waits per service and way of paying: "Extend" again shows that one instead
        // of piling up a second period at a second price (a change of the service replaces it,
        // `replaceWaitingRenewals`).
        if let waiting = try await waitingRenewals(serviceID: serviceID, accountID: account.id!).last(where: {
            $0.paymentMethod == paymentMethod
        }) {
            return Order(waiting, fallback: account.currency)
        }
        let item = OrderItemRecord(
            accountID: account.id!, kind: .renewal, planID: service.planID, serviceID: serviceID,
            period: service.period, domainName: service.domainName, osImage: service.osImage,
            addons: service.addons, trial: false, promoCode: nil, createdAt: context.clock.now)
        try await item.create(on: context.database)
        return try await checkout(account: account, itemIDs: [item.id!], payFromBalance: false, paymentMethod: paymentMethod, actor: actor)
    }

    /// The pending renewal orders of a service, oldest first.
    func waitingRenewals(serviceID: UUID, accountID: UUID) async throws -> [OrderRecord] {
        let orderIDs = try await OrderItemRecord.query(on: context.database).filter(\.$serviceID == serviceID)
            .filter(\.$kind == .renewal).filter(\.$orderID != nil).all(\.$orderID).compactMap { $0 }
        guard !orderIDs.isEmpty else { return [] }
        return try await OrderRecord.query(on: context.database).filter(\.$id ~~ Set(orderIDs)).filter(\.$accountID == accountID)
            .filter(\.$status == .pending).sort(\.$createdAt).all()
    }

    /// The renewal of a service that waits for payment, for the service page ("Extend" shows it).
    public func waitingRenewal(serviceID: UUID, caller: Caller) async throws -> Order? {
        let account = try caller.account(for: .viewServices)
        return try await waitingRenewals(serviceID: serviceID, accountID: account.id).last.map {
            Order($0, fallback: context.provider.defaultCurrency)
        }
    }

    /// After a service changed (resources, period), a renewal that waits was priced for the old
    /// service: it is cancelled (only while still pending, so one being paid this instant is
    /// left alone) and requested again at the current price, through the same way of paying.
    /// A crash between the two leaves the service with no waiting renewal: "Extend" makes one.
    func replaceWaitingRenewals(serviceID: UUID, account: AccountRecord, actor: Initiator) async throws {
        let waiting = try await waitingRenewals(serviceID: serviceID, accountID: account.id!)
        var methods: [String] = []
        for order in waiting {
            let cancelled = try await context.database.sql.raw(
                """
                UPDATE orders SET status = \(bind: OrderStatus.cancelled.rawValue)
                WHERE id = \(bind: order.id!) AND status = \(bind: OrderStatus.pending.rawValue) RETURNING id
                """
            ).all()
            if !cancelled.isEmpty, !methods.contains(order.paymentMethod) { methods.append(order.paymentMethod) }
        }
        for method in methods {
            let order = try await requestRenewal(serviceID: serviceID, account: account, paymentMethod: method, actor: actor)
            context.log(.orders).info(
                "waiting renewal repriced after a change of the service",
                metadata: ["order": .stringConvertible(order.number), "total": .stringConvertible(order.total)])
        }
    }

    /// What paying an order from the client area leads to (CAT-5).
    public enum Settlement: Sendable, Equatable {
        /// Paid from the balance.
        case paid
        /// Checked out with a payment method: it is paid through that method, never from the balance.
        case payThrough(methodID: UUID)
    }

    /// Pays a pending order the way it was checked out: from the balance now, or, for an order
    /// fixed to a payment method, says which method pays it.
    public func settle(orderID: UUID, caller: Caller) async throws -> Settlement {
        let account = try await context.record(of: try caller.account(for: .pay))
        guard let order = try await OrderRecord.find(orderID, on: context.database), order.accountID == account.id! else {
            throw OrderError.orderNotFound
        }
        if case .method(let methodID) = OrderPaymentMethod(stored: order.paymentMethod) { return .payThrough(methodID: methodID) }
        try await pay(orderID: orderID, account: account, actor: caller.initiator)
        return .paid
    }

    /// Pays a pending order from the balance. A second call (a double click, a retried request)
    /// finds the order paid and changes nothing. New services go to Processing (opening) and their
    /// "open" jobs commit with the payment; the module opens them once it is committed.
    public func pay(orderID: UUID, caller: Caller) async throws {
        try await pay(orderID: orderID, account: try await context.record(of: try caller.account(for: .pay)), actor: caller.initiator)
    }

    func pay(orderID: UUID, account: AccountRecord, actor: Initiator) async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let paid = try await payOnce(orderID: orderID, account: account, actor: actor)
                if let total = paid.total {
                    context.log(.orders).info(
                        "order paid from the balance",
                        metadata: [
                            "order": .stringConvertible(paid.number), "total": .stringConvertible(total), "by": .string(actor.stored)
                        ])
                }
                return
            } catch let error as OrderError {
                throw error
            } catch {
                // A service number taken by a concurrent order, or a serialization failure: the
                // transaction rolled back, so paying again is safe (a paid order returns at once).
                if attempt == 3 { throw error }
            }
        }
    }

    /// What a payment did, for the log line (its services' jobs were queued in its transaction).
    private struct Paid {
        /// The order paid by this call (none when it had been paid already).
        var number = 0
        var total: Money?
    }

    private func payOnce(orderID: UUID, account: AccountRecord, actor: Initiator) async throws -> Paid {
        try await context.database.transaction { tx in
            let ctx = context.on(tx)
            try await ctx.lockAccount(account.id!, on: tx)
            guard let order = try await OrderRecord.find(orderID, on: tx), order.accountID == account.id! else {
                throw OrderError.orderNotFound
            }
            guard order.status == .pending else {
                if order.status == .paid { return Paid() }
                throw OrderError.orderNotPending
            }
            let total = order.money(\.total)
            try await ctx.requireSpending(total, accountID: account.id!, on: tx)
            let items = try await OrderItemRecord.query(on: tx).filter(\.$orderID == orderID).sort(\.$createdAt).all()
            let today = ctx.today
            let paid = Paid(number: order.number, total: total)
            for item in items {
                guard let json = item.quote, let quote = try? JSONDecoder().decode(Quote.self, from: Data(json.utf8)) else { continue }
                if item.kind == .renewal {
                    try await ServiceLifecycle(context: ctx).paidRenewal(item: item, quote: quote, actor: actor, on: tx)
                } else {
                    let service = try await createService(
                        item: item, quote: quote, account: account, actor: actor, today: today, ctx: ctx, on: tx)
                    if item.quick, service.productType.hasServer, service.domainName.isEmpty {
                        // A quick order's server waits for its name: the client completes it.
                        try await ServiceLifecycle(context: ctx).transition(service, .configurationMissing, actor: actor, on: tx)
                    } else {
                        try await ServiceLifecycle(context: ctx).requestOpening(service, actor: actor, on: tx)
                    }
                    try await ctx.charge(
                        Charge(
                            accountID: account.id!, serviceID: service.id, summary: ServiceLifecycle.summary(service),
                            chargedOn: today, periodFrom: today, periodTo: quote.firstPeriodEnds.adding(days: -1),
                            amount: quote.dueNow, key: "order:\(item.id!.uuidString.lowercased())"),
                        actor: actor, on: tx)
                    if let code = item.promoCode, quote.discount.isPositive,
                        let promo = try await PromoCodeRecord.query(on: tx).filter(\.$code == code).first()
                    {
                        try await PromoRedemptionRecord(
                            promoID: promo.id!, accountID: account.id!, orderItemID: item.id!,
                            createdAt: ctx.clock.now
                        ).create(on: tx)
                    }
                }
            }
            order.status = .paid
            order.paidAt = ctx.clock.now
            try await order.update(on: tx)
            // "Order confirmed", queued with the payment: a rollback sends nothing.
            let summaries = try await ServiceRecord.query(on: tx).filter(\.$id ~~ Set(items.compactMap(\.serviceID))).all()
                .map(ServiceLifecycle.summary)
            try await Notices(context: ctx).send(
                [
                    Notices.money(
                        "order_paid", account: account, key: "order-paid:\(order.id!.uuidString.lowercased())",
                        arguments: [
                            "number": String(order.number), "items": summaries.isEmpty ? "—" : summaries.joined(separator: ", ")
                        ], amounts: ["amount": total])
                ], accounts: [account.id!: account], on: tx)
            return paid
        }
    }

    private func createService(
        item: OrderItemRecord, quote: Quote, account: AccountRecord, actor: Initiator, today: LocalDate,
        ctx: EngineContext, on tx: any Database
    ) async throws -> ServiceRecord {
        guard let plan = try await PlanRecord.find(item.planID, on: tx) else { throw OrderError.unknownPlan }
        let number = try await ctx.nextNumber(in: ServiceRecord.schema, floor: 1000, on: tx)
        let fullFirstPeriod = !quote.isTrial && quote.firstPeriodEnds == quote.period.end(from: today)
        let recurring = Money.sum(quote.lines.map(\.perPeriod), currency: quote.perPeriod.gross.currency)
        let service = ServiceRecord(
            accountID: account.id!, number: number, planID: plan.id!, productType: plan.productType,
            planName: plan.name, domainName: item.domainName, osImage: item.osImage, addons: item.addons,
            status: ServiceStatus.ordered, period: item.period, currency: recurring.currency,
            recurringAmount: recurring.units, autoRenew: true,
            anchorOn: fullFirstPeriod ? today.iso : quote.firstPeriodEnds.iso,
            periodsPaid: fullFirstPeriod ? 1 : 0, expiresOn: quote.firstPeriodEnds.iso,
            isTrial: quote.isTrial, createdAt: ctx.clock.now)
        try await service.create(on: tx)
        item.serviceID = service.id
        try await item.update(on: tx)
        try await ServiceEventRecord(
            serviceID: service.id!, at: ctx.clock.now, event: quote.isTrial ? "trial_started" : "ordered",
            fromStatus: nil, toStatus: ServiceStatus.ordered, actor: actor,
            note: ""
        ).create(on: tx)
        return service
    }

    /// The account's orders in one status, newest first.
    public func list(caller: Caller, status: OrderStatus) async throws -> [Order] {
        let account = try caller.account(for: .orderServices)
        return try await OrderRecord.query(on: context.database).filter(\.$accountID == account.id).filter(\.$status == status)
            .sort(\.$createdAt, .descending).limit(100).all().map { Order($0, fallback: context.provider.defaultCurrency) }
    }

    /// The account's latest orders in any status, newest first (the staff's client card).
    public func latest(of account: Account, limit: Int, caller: Caller) async throws -> [Order] {
        try caller.require(.viewClients)
        return try await OrderRecord.query(on: context.database).filter(\.$accountID == account.id).sort(\.$number, .descending)
            .limit(limit).all().map { Order($0, fallback: context.provider.defaultCurrency) }
    }

    /// One order of the account with what its page shows: its items with their plans' names, and
    /// the payments made for it. Another account's order is indistinguishable from a missing one.
    public struct Detail: Sendable {
        public let order: Order
        /// Each item with its plan's name (in every language), `nil` if the plan was removed.
        public let items: [(item: OrderItem, planName: LocalizedText?)]
        public let payments: [Payment]
    }

    /// The account's latest order of a new service of `planID` placed in the last `window`
    /// (a client who went back after paying and pressed "Pay now" again): the order form asks
    /// before buying the same thing twice. Cancelled orders do not count.
    public func recentPurchase(of planID: UUID, caller: Caller, window: TimeInterval = 15 * 60) async throws -> Order? {
        let account = try caller.account(for: .orderServices)
        let since = context.clock.now.addingTimeInterval(-window)
        let recent = try await OrderRecord.query(on: context.database).filter(\.$accountID == account.id)
            .filter(\.$createdAt >= since).filter(\.$status != .cancelled).sort(\.$createdAt, .descending).all()
        guard !recent.isEmpty else { return nil }
        let withPlan = Set(
            try await OrderItemRecord.query(on: context.database).filter(\.$orderID ~~ recent.compactMap(\.id))
                .filter(\.$planID == planID).filter(\.$kind == .new).all(\.$orderID).compactMap { $0 })
        return recent.first { withPlan.contains($0.id!) }.map { Order($0, fallback: context.provider.defaultCurrency) }
    }

    public func detail(orderID: UUID, caller: Caller) async throws -> Detail? {
        let account = try caller.account(for: .orderServices)
        let db = context.database
        guard let order = try await OrderRecord.find(orderID, on: db), order.accountID == account.id else { return nil }
        let items = try await OrderItemRecord.query(on: db).filter(\.$orderID == orderID).sort(\.$createdAt).all()
        let plans = try await PlanRecord.query(on: db).filter(\.$id ~~ Set(items.map(\.planID))).all()
        let byID = Dictionary(uniqueKeysWithValues: plans.map { ($0.id!, $0) })
        let payments = try await PaymentRecord.query(on: db).filter(\.$orderID == orderID).sort(\.$createdAt).all()
        let value = Order(order, fallback: context.provider.defaultCurrency)
        return Detail(
            order: value, items: items.map { (OrderItem($0, currency: value.currency), byID[$0.planID]?.localizedName) },
            payments: payments.map(PaymentFlow(context: context).value))
    }

    /// The number of items waiting in the account's cart (the menu shows it).
    public func cartCount(caller: Caller) async throws -> Int {
        let account = try caller.account(for: .orderServices)
        // Every client page shows it: one plain count on the (account_id, order_id) index.
        return try await context.database.sql.raw(
            "SELECT COUNT(*) AS n FROM order_items WHERE account_id = \(bind: account.id) AND order_id IS NULL"
        ).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The items of some orders, grouped by order.
    public func items(of orders: [Order]) async throws -> [UUID: [OrderItem]] {
        guard !orders.isEmpty else { return [:] }
        let currencies = Dictionary(uniqueKeysWithValues: orders.map { ($0.id, $0.currency) })
        let items = try await OrderItemRecord.query(on: context.database).filter(\.$orderID ~~ orders.map(\.id)).sort(\.$createdAt).all()
        return Dictionary(grouping: items, by: { $0.orderID! }).mapValues { records in
            records.map { OrderItem($0, currency: currencies[$0.orderID!] ?? context.provider.defaultCurrency) }
        }
    }

    /// Cancels a pending order; its items are dropped (a new order is needed, CAT-5).
    public func cancel(orderID: UUID, caller: Caller) async throws {
        try await cancel(orderID: orderID, accountID: try caller.account(for: .orderServices).id)
    }

    func cancel(orderID: UUID, accountID: UUID) async throws {
        try await context.database.transaction { tx in
            guard let order = try await OrderRecord.find(orderID, on: tx), order.accountID == accountID else {
                throw OrderError.orderNotFound
            }
            guard order.status == .pending else { throw OrderError.orderNotPending }
            order.status = .cancelled
            try await order.update(on: tx)
        }
    }
}
