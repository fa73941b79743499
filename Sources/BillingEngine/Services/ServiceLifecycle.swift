import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation
import Provisioning

/// What a client can do to a service (the service page's buttons and forms).
public enum ClientServiceAction: String, Sendable, Hashable, CaseIterable {
    case stop, start, reboot, reinstall, reverseDNS, console, showLogin, delete, extend, autoRenew, changePeriod, changeResources
    /// Gives a quick order's server its name (and system) so it opens (CAT-4).
    case configure
}

extension ClientServiceAction {
    /// The client right the action needs (the web's `ServiceAction` routes carry the same).
    public var right: ClientRight {
        switch self {
        case .stop, .start, .reboot, .reinstall, .reverseDNS, .console, .showLogin, .autoRenew, .changePeriod, .configure: .manageServices
        case .delete: .deleteServices
        // Both make an order to pay.
        case .extend, .changeResources: .orderServices
        }
    }
}

/// Why a service action is refused.
public enum ServiceActionError: Error, Equatable, Sendable {
    case notFound
    case notAllowed(status: ServiceStatus)
    case deletionNotAllowed
    /// A reverse DNS name that is not a host name (RFC 1123).
    case invalidHostName
    /// The operating system is not one the plan offers.
    case unknownOS
    /// The address is not one of the service's.
    case unknownAddress
    case order(OrderError)
}

/// The life of a service (SVC-1, SVC-2): opening through the processing module, the client's
/// stop/start/delete, changes with prorated charges, paid renewals, and the history of it all.
public struct ServiceLifecycle: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    package static func summary(_ service: ServiceRecord) -> String {
        service.domainName.isEmpty
            ? "\(service.planName) #\(service.number)" : "\(service.planName) · \(service.domainName) #\(service.number)"
    }

    /// Where the next paid period starts: at the expiry date, or today for a service that expired
    /// unpaid (the time it stood still is not charged).
    static func renewalStart(_ service: ServiceRecord, today: LocalDate) -> LocalDate {
        if service.status == ServiceStatus.expired { return today }
        return LocalDate(iso: service.expiresOn) ?? today
    }

    /// What the module is told about a service: its resources are the plan's add-ons with the
    /// amounts the service has (an add-on it never chose counts its included amount).
    static func provisioningRequest(
        _ service: ServiceRecord, hardware: ProvisioningRequest.Hardware? = nil, osImage: String? = nil, login: ServerLogin? = nil,
        hardReset: Bool = false, on db: any Database
    ) async throws -> ProvisioningRequest {
        let chosen = OrderConfiguration.addons(fromJSON: service.addons)
        var resources: [AddonKind: Int] = [:]
        for addon in try await AddonRecord.query(on: db).filter(\.$planID == service.planID).all() {
            resources[addon.kind, default: 0] += chosen[addon.id!] ?? addon.included
        }
        return ProvisioningRequest(
            serviceID: service.id!, number: service.number, productType: service.productType,
            domainName: service.domainName, osImage: osImage ?? service.osImage, resources: resources, hardware: hardware, login: login,
            hardReset: hardReset)
    }

    // MARK: status changes

    /// Applies an event to a service, saves it and writes the history line.
    @discardableResult
    func transition(
        _ service: ServiceRecord, _ event: ServiceEvent, actor: Initiator, note: String = "",
        on db: any Database
    ) async throws -> ServiceState {
        let current = ServiceState(
            service.status,
            operation: service.operation)
        let next: ServiceState
        do { next = try current.applying(event) } catch { throw ServiceActionError.notAllowed(status: service.status) }
        service.status = next.status
        service.operation = next.operation
        service.updatedAt = context.clock.now
        try await service.update(on: db)
        try await ServiceEventRecord(
            serviceID: service.id!, at: context.clock.now, event: event.name, fromStatus: current.status,
            toStatus: next.status, actor: actor, note: note
        ).create(on: db)
        context.log(.orders).info(
            "service \(event.name)",
            metadata: [
                "service": .stringConvertible(service.number), "from": .string(current.status.rawValue),
                "to": .string(next.status.rawValue), "by": .string(actor.stored)
            ])
        return next
    }

    /// A paid service goes to Processing (opening) and its "open" job is queued, both on `tx`,
    /// the transaction that took the money: the module is called by the job once this commits.
    func requestOpening(_ service: ServiceRecord, actor: Initiator, on tx: any Database) async throws {
        try await transition(service, .paid, actor: actor, on: tx)
        try await context.jobs.enqueue(
            [JobQueue.serviceJob(.serviceOpen, service: service, reason: .order, key: "open:\(service.id!.uuidString.lowercased())")],
            on: tx)
    }

    /// A service of this account, or `notFound` (another account's service looks missing).
    /// For any user with a right over services (one who may only stop it still sees it).
    public func service(_ id: UUID, caller: Caller) async throws -> Service {
        try await context.values([try await readable(id, caller: caller)])[0]
    }

    /// The stored service for a reader of it (any right over services), or `notFound`; the
    /// Network and Traffic tabs read through here too.
    func readable(_ id: UUID, caller: Caller) async throws -> ServiceRecord {
        let account = try await context.record(
            of: try caller.account(forAny: [.viewServices, .manageServices, .deleteServices, .orderServices]))
        return try await stored(id, account: account)
    }

    /// Any account's service, for staff (the route requires `services.view`); `nil` if none.
    public func serviceForStaff(_ id: UUID) async throws -> Service? {
        guard let record = try await ServiceRecord.find(id, on: context.database) else { return nil }
        return try await context.values([record]).first
    }

    func stored(_ id: UUID, account: AccountRecord) async throws -> ServiceRecord {
        guard let service = try await ServiceRecord.find(id, on: context.database), service.accountID == account.id! else {
            throw ServiceActionError.notFound
        }
        return service
    }

    /// The client stops a running service: it shows Processing (switching off) until its module
    /// answers, then Suspended for daily billing or Stopped.
    public func stop(serviceID: UUID, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.stop.right))
        let service = try await stored(serviceID, account: account)
        try await require(.stop, service)
        try await queueModuleWork(.switchOffRequested, job: .serviceStop, service: service, actor: caller.initiator)
    }

    /// The client starts a service it stopped: Processing (switching on), then Active.
    public func start(serviceID: UUID, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.start.right))
        let service = try await stored(serviceID, account: account)
        try await require(.start, service)
        try await queueModuleWork(.switchOnRequested, job: .serviceStart, service: service, actor: caller.initiator)
    }

    /// The client reboots a running server: Processing (reboot) until its module answers, then
    /// Active again. `hard`: a reset that cuts the power and back, for a server that hangs and
    /// ignores the system's reboot (its unsaved data is lost).
    public func reboot(serviceID: UUID, hard: Bool = false, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.reboot.right))
        let service = try await stored(serviceID, account: account)
        try await require(.reboot, service)
        try await queueModuleWork(
            hard ? .resetRequested : .rebootRequested, job: .serviceReboot, service: service, actor: caller.initiator, hardReset: hard)
    }

    /// The client reinstalls a running server with one of its plan's operating systems: its disk
    /// is erased. Processing (reinstall) until the module answers, then Active with the new OS.
    public func reinstall(serviceID: UUID, osImage: String, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.reinstall.right))
        let service = try await stored(serviceID, account: account)
        try await require(.reinstall, service)
        let chosen = try await reinstallSystem(osImage, of: service)
        try await queueModuleWork(
            .reinstallRequested, job: .serviceReinstall, service: service, actor: caller.initiator, note: chosen, osImage: chosen)
    }

    /// The client completes a quick order's server (CAT-4): its name, and one of the plan's
    /// systems (the first when none is given). The service leaves "configuration required" and
    /// opens, as a paid order does; a second submission finds it processing and is refused.
    public func configure(serviceID: UUID, domainName: String, osImage: String, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.configure.right))
        let service = try await stored(serviceID, account: account)
        try await require(.configure, service)
        let name = domainName.trimmingCharacters(in: .whitespaces).lowercased()
        guard !name.isEmpty else { throw ServiceActionError.order(.domainNameRequired) }
        guard DomainName.isValid(name, requireDot: false) else { throw ServiceActionError.order(.domainNameInvalid) }
        guard let plan = try await PlanRecord.find(service.planID, on: context.database).map(Plan.init),
            let system = plan.system(choosing: osImage)
        else { throw ServiceActionError.unknownOS }
        try await context.database.transaction { tx in
            let ctx = context.on(tx)
            try await ctx.lockAccount(account.id!, on: tx)
            guard let fresh = try await ServiceRecord.find(serviceID, on: tx) else { throw ServiceActionError.notFound }
            guard fresh.status == .configurationRequired else { throw ServiceActionError.notAllowed(status: fresh.status) }
            fresh.domainName = name
            fresh.osImage = system
            let lifecycle = ServiceLifecycle(context: ctx)
            try await lifecycle.transition(
                fresh, .configured, actor: caller.initiator, note: [name, system].filter { !$0.isEmpty }.joined(separator: " · "), on: tx)
            try await lifecycle.requestOpening(fresh, actor: caller.initiator, on: tx)
        }
    }

    /// What staff do to a client's service (ADM-1): stop it by administrator or for abuse (the
    /// client cannot lift either), start it again, open again one that was Not available, and
    /// the module's operations on the client's behalf: reboot, reinstall (`osImage`, one of the
    /// plan's systems), delete. The status changes at once with a history line carrying the
    /// reason; a job makes the backend follow.
    public func staffAction(
        _ action: StaffServiceAction, serviceID: UUID, reason: String, osImage: String = "", caller: Caller
    ) async throws {
        try caller.require(.manageServices)
        let note = String(reason.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500))
        guard let found = try await ServiceRecord.find(serviceID, on: context.database) else { throw ServiceActionError.notFound }
        guard Self.staffActions(for: context.value(found), supports: try await moduleOperations(of: found)).contains(action) else {
            throw ServiceActionError.notAllowed(status: found.status)
        }
        let chosenOS = action == .reinstall ? try await reinstallSystem(osImage, of: found) : nil
        try await context.database.transaction { tx in
            let ctx = context.on(tx)
            try await ctx.lockAccount(found.accountID, on: tx)
            guard let fresh = try await ServiceRecord.find(serviceID, on: tx) else { throw ServiceActionError.notFound }
            let (event, kind): (ServiceEvent, JobKind) =
                switch action {
                case .suspend: (.stoppedByAdmin, .serviceStop)
                case .abuse: (.stoppedForAbuse, .serviceStop)
                case .resume: (.startedByAdmin, .serviceStart)
                case .retry: (.retryOpening, .serviceOpen)
                case .reboot: (.rebootRequested, .serviceReboot)
                case .reinstall: (.reinstallRequested, .serviceReinstall)
                case .delete: (.deletionRequested, .serviceDelete)
                }
            let history = [chosenOS, note.isEmpty ? nil : note].compactMap { $0 }.joined(separator: " · ")
            try await ServiceLifecycle(context: ctx).transition(fresh, event, actor: caller.initiator, note: history, on: tx)
            let key = "\(kind.rawValue):\(serviceID.uuidString.lowercased()):staff:\(UUID.timeOrdered().uuidString.lowercased())"
            try await ctx.jobs.enqueue([JobQueue.serviceJob(kind, service: fresh, reason: .staff, key: key, osImage: chosenOS)], on: tx)
        }
    }

    /// A reinstall's system: one the service's plan lists (a reinstall always names one).
    func reinstallSystem(_ osImage: String, of service: ServiceRecord) async throws -> String {
        let offered = try await PlanRecord.find(service.planID, on: context.database).map { Plan($0).osList } ?? []
        guard let chosen = offered.first(where: { $0 == osImage.trimmingCharacters(in: .whitespaces) }) else {
            throw ServiceActionError.unknownOS
        }
        return chosen
    }

    /// The operations the module of the service's plan carries out.
    func moduleOperations(of service: ServiceRecord) async throws -> Set<ProvisioningOperation> {
        try await context.processingModule(forPlan: service.planID).module?.supports ?? []
    }

    /// What staff can do to a service now, and the systems a reinstall may choose from: the
    /// staff page offers exactly these, and `staffAction` refuses the rest.
    public struct StaffChoices: Sendable, Hashable {
        public let actions: [StaffServiceAction]
        public let systems: [String]
    }

    public func staffChoices(for service: Service) async throws -> StaffChoices {
        guard let record = try await ServiceRecord.find(service.id, on: context.database) else {
            return StaffChoices(actions: [], systems: [])
        }
        let systems = try await PlanRecord.find(record.planID, on: context.database).map { Plan($0).osList } ?? []
        let actions = Self.staffActions(for: service, supports: try await moduleOperations(of: record))
        return StaffChoices(actions: systems.isEmpty ? actions.filter { $0 != .reinstall } : actions, systems: systems)
    }

    static func staffActions(for service: Service, supports: Set<ProvisioningOperation>) -> [StaffServiceAction] {
        var actions: [StaffServiceAction] =
            switch service.status {
            case .active, .stoppedByClient, .suspendedByClient: [.suspend, .abuse]
            case .expired: [.suspend]
            case .stoppedByAdmin, .stoppedForAbuse: [.resume]
            case .unavailable: [.retry]
            default: []
            }
        if service.status == .active, service.productType.hasServer {
            if supports.contains(.reboot) { actions.append(.reboot) }
            if supports.contains(.reinstall) { actions.append(.reinstall) }
        }
        let deletable: Set<ServiceStatus> = [
            .active, .stoppedByClient, .suspendedByClient, .stoppedByAdmin, .stoppedForAbuse, .expired, .unavailable
        ]
        if deletable.contains(service.status), supports.contains(.delete) { actions.append(.delete) }
        return actions
    }

    /// Staff added capacity to a module's pool: the oldest services of its plans that were Not
    /// available open again, as many as there are free servers, each with its own job.
    static func retryUnavailable(modules: Set<String>, slots: Int, actor: Initiator, context: EngineContext) async throws -> Int {
        guard slots > 0, !modules.isEmpty else { return 0 }
        let plans = try await PlanRecord.query(on: context.database).all()
            .filter { modules.contains(context.modules.module(named: $0.processingModule)?.name ?? "") }.compactMap(\.id)
        guard !plans.isEmpty else { return 0 }
        let waiting = try await ServiceRecord.query(on: context.database).filter(\.$status == .unavailable).filter(\.$planID ~~ plans)
            .sort(\.$number).range(..<slots).all()
        for service in waiting {
            try await context.database.transaction { tx in
                let ctx = context.on(tx)
                try await ctx.lockAccount(service.accountID, on: tx)
                guard let fresh = try await ServiceRecord.find(service.id!, on: tx), fresh.status == .unavailable else { return }
                try await ServiceLifecycle(context: ctx).transition(fresh, .retryOpening, actor: actor, on: tx)
                let key = "service.open:\(fresh.id!.uuidString.lowercased()):capacity:\(UUID.timeOrdered().uuidString.lowercased())"
                try await ctx.jobs.enqueue([JobQueue.serviceJob(.serviceOpen, service: fresh, reason: .staff, key: key)], on: tx)
            }
        }
        return waiting.count
    }

    /// The client deletes a service, where the product type allows it. Nothing is refunded: the
    /// paid period is forfeited, as the order form says. Processing (deletion), then Deleted.
    public func delete(serviceID: UUID, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.delete.right))
        let service = try await stored(serviceID, account: account)
        try await require(.delete, service)
        try await queueModuleWork(.deletionRequested, job: .serviceDelete, service: service, actor: caller.initiator)
    }

    /// Moves the service to Processing and queues the module's job in one transaction. The row is
    /// read again under the transaction: two clicks at once queue one job, the second is refused.
    private func queueModuleWork(
        _ event: ServiceEvent, job kind: JobKind, service: ServiceRecord, actor: Initiator, note: String = "", osImage: String? = nil,
        hardReset: Bool = false
    ) async throws {
        try await context.database.transaction { tx in
            let ctx = context.on(tx)
            try await ctx.lockAccount(service.accountID, on: tx)
            guard let fresh = try await ServiceRecord.find(service.id!, on: tx) else { throw ServiceActionError.notFound }
            try await ServiceLifecycle(context: ctx).transition(fresh, event, actor: actor, note: note, on: tx)
            // Each request is new work (stop, start, stop again): a key of its own. Two clicks at
            // once are one job because the second transition is refused above, not by the key.
            let key = "\(kind.rawValue):\(fresh.id!.uuidString.lowercased()):\(UUID.timeOrdered().uuidString.lowercased())"
            try await ctx.jobs.enqueue(
                [JobQueue.serviceJob(kind, service: fresh, reason: .client, key: key, osImage: osImage, hardReset: hardReset)], on: tx)
        }
    }

    public func setAutoRenew(serviceID: UUID, enabled: Bool, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.autoRenew.right))
        let service = try await stored(serviceID, account: account)
        guard service.status != ServiceStatus.deleted else { throw ServiceActionError.notAllowed(status: service.status) }
        guard service.autoRenew != enabled else { return }
        service.autoRenew = enabled
        service.updatedAt = context.clock.now
        try await context.database.transaction { tx in
            try await service.update(on: tx)
            try await ServiceEventRecord(
                serviceID: service.id!, at: context.clock.now, event: enabled ? "auto_renew_on" : "auto_renew_off",
                fromStatus: service.status, toStatus: service.status, actor: caller.initiator
            ).create(on: tx)
        }
    }

    // MARK: changes

    /// Changes the period of the following renewals; the paid period is kept, the next one is
    /// priced from the catalog for the new period.
    public func changePeriod(serviceID: UUID, to period: BillingPeriod, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.changePeriod.right))
        let service = try await stored(serviceID, account: account)
        let view = context.value(service)
        guard view.status != .deleted else { throw ServiceActionError.notFound }
        guard view.period != period else { return }
        var configuration = OrderConfiguration(
            planID: service.planID, period: period,
            addons: OrderConfiguration.addons(fromJSON: service.addons),
            domainName: service.domainName, osImage: service.osImage)
        guard let offer = try await Catalog(context: context).offer(planID: service.planID, currency: view.currency) else {
            throw ServiceActionError.order(.unknownPlan)
        }
        let amounts: [UUID: Int]
        do { amounts = try OrderPricing.validate(&configuration, offer: offer, currency: view.currency) } catch let error
            as OrderError
        { throw ServiceActionError.order(error) }
        let recurring = try OrderPricing.recurringAmount(offer: offer, period: period, amounts: amounts)
        service.period = period
        service.anchorOn = service.expiresOn
        service.periodsPaid = 0
        service.recurringAmount = recurring.units
        service.updatedAt = context.clock.now
        try await context.database.transaction { tx in
            try await service.update(on: tx)
            try await ServiceEventRecord(
                serviceID: service.id!, at: context.clock.now, event: "period_changed",
                fromStatus: service.status, toStatus: service.status, actor: caller.initiator,
                note: "\(view.period.rawValue) → \(period.rawValue)"
            ).create(on: tx)
        }
        try await Orders(context: context).replaceWaitingRenewals(serviceID: serviceID, account: account, actor: caller.initiator)
    }

    /// What a change of resources costs now: the difference per period times the share of the
    /// current period that is left, taxed.
    public struct ChangeQuote: Sendable {
        public let oldRecurring: Money
        public let newRecurring: Money
        public let share: Fraction
        public let dueNow: TaxedAmount
        public let amounts: [UUID: Int]
    }

    public func quoteChange(serviceID: UUID, addons: [UUID: Int], caller: Caller) async throws -> ChangeQuote {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.changeResources.right))
        return try await quoteChange(serviceID: serviceID, addons: addons, account: account)
    }

    private func quoteChange(serviceID: UUID, addons: [UUID: Int], account: AccountRecord) async throws -> ChangeQuote {
        let service = try await stored(serviceID, account: account)
        let view = context.value(service)
        guard view.status == .active || view.status == .stoppedByClient else {
            throw ServiceActionError.notAllowed(status: service.status)
        }
        guard let offer = try await Catalog(context: context).offer(planID: service.planID, currency: view.currency) else {
            throw ServiceActionError.order(.unknownPlan)
        }
        var current = OrderConfiguration.addons(fromJSON: service.addons)
        for (id, amount) in addons { current[id] = amount }
        var configuration = OrderConfiguration(
            planID: service.planID, period: view.period, addons: current,
            domainName: service.domainName, osImage: service.osImage)
        let amounts: [UUID: Int]
        do { amounts = try OrderPricing.validate(&configuration, offer: offer, currency: view.currency) } catch let error
            as OrderError
        { throw ServiceActionError.order(error) }
        let newRecurring = try OrderPricing.recurringAmount(offer: offer, period: view.period, amounts: amounts)
        let share = Proration.remainingShare(on: context.today, periodEnd: view.expiresOn, period: view.period)
        let difference = newRecurring - view.recurringAmount
        let due = difference.isPositive ? difference.times(share).roundedToMinorUnit() : .zero(view.currency)
        let settings = try await BillingSettings.load(on: context.database)
        return ChangeQuote(
            oldRecurring: view.recurringAmount, newRecurring: newRecurring, share: share,
            dueNow: TaxedAmount(catalogAmount: due, rate: VATTable.rate(forCountry: account.country), mode: settings.taxMode),
            amounts: amounts)
    }

    /// Adds (or removes) resources mid-period: the prorated difference is charged from the
    /// balance now, the new price applies from the next renewal. Lowering a resource refunds
    /// nothing for the current period. `requestKey` comes from the form: a double submit charges once.
    public func changeResources(
        serviceID: UUID, addons: [UUID: Int], caller: Caller, requestKey: String
    ) async throws {
        let account = try await context.record(of: try caller.account(for: ClientServiceAction.changeResources.right))
        let actor = caller.initiator
        let change = try await quoteChange(serviceID: serviceID, addons: addons, account: account)
        let key = "change:\(serviceID.uuidString.lowercased()):\(requestKey)"
        let changed = try await context.database.transaction { tx -> Bool in
            let ctx = context.on(tx)
            try await ctx.lockAccount(account.id!, on: tx)
            if try await ExpenseRecord.query(on: tx).filter(\.$idempotencyKey == key).first() != nil { return false }
            guard let service = try await ServiceRecord.find(serviceID, on: tx) else { throw ServiceActionError.notFound }
            do { try await ctx.requireSpending(change.dueNow.gross, accountID: account.id!, on: tx) } catch let error as OrderError {
                throw ServiceActionError.order(error)
            }
            let today = ctx.today
            if change.dueNow.gross.isPositive {
                try await ctx.charge(
                    Charge(
                        accountID: account.id!, serviceID: serviceID, summary: Self.summary(service) + " +",
                        chargedOn: today, periodFrom: today,
                        periodTo: LocalDate(iso: service.expiresOn)?.adding(days: -1), amount: change.dueNow, key: key),
                    actor: actor, on: tx)
            }
            service.addons = OrderConfiguration.json(addons: change.amounts)
            service.recurringAmount = change.newRecurring.units
            service.updatedAt = ctx.clock.now
            try await service.update(on: tx)
            try await ServiceEventRecord(
                serviceID: serviceID, at: ctx.clock.now, event: "changed", fromStatus: service.status,
                toStatus: service.status, actor: actor,
                note: "\(change.oldRecurring) → \(change.newRecurring)"
            ).create(on: tx)
            return true
        }
        guard changed else { return }
        try await Orders(context: context).replaceWaitingRenewals(serviceID: serviceID, account: account, actor: actor)
    }

    /// Extends a service by one paid period inside the paying transaction (an "extend" order).
    /// An expired service is back: its "start" job is queued in the same transaction.
    func paidRenewal(item: OrderItemRecord, quote: Quote, actor: Initiator, on tx: any Database) async throws {
        guard let serviceID = item.serviceID, let service = try await ServiceRecord.find(serviceID, on: tx)
        else { return }
        let period = service.period
        let today = context.today
        let from = Self.renewalStart(service, today: today)
        let wasExpired = service.status == ServiceStatus.expired
        let to: LocalDate
        if wasExpired {
            service.anchorOn = today.iso
            service.periodsPaid = 1
            to = period.end(from: today)
        } else {
            service.periodsPaid += 1
            to = period.end(from: LocalDate(iso: service.anchorOn) ?? today, periods: service.periodsPaid)
        }
        service.expiresOn = to.iso
        service.expiredOn = nil
        service.isTrial = false
        try await context.charge(
            Charge(
                accountID: service.accountID, serviceID: serviceID, summary: Self.summary(service),
                chargedOn: today, periodFrom: from, periodTo: to.adding(days: -1), amount: quote.dueNow,
                key: "renew:\(serviceID.uuidString.lowercased()):\(from.iso)"),
            actor: actor, on: tx)
        if wasExpired {
            try await ServiceLifecycle(context: context.on(tx)).transition(service, .renewalPaid, actor: actor, on: tx)
            try await context.on(tx).jobs.enqueue(Self.resumeJobs([service], on: today), on: tx)
            // "Resumed": paid again after it was suspended, and being switched back on.
            if let account = try await AccountRecord.find(service.accountID, on: tx) {
                try await Notices(context: context.on(tx)).send(
                    [
                        Notices.Notice(
                            accountID: service.accountID, template: "resumed",
                            dedupeKey: "resumed:\(serviceID.uuidString.lowercased()):\(from.iso)",
                            arguments: ["service": Self.summary(service), "date": to.adding(days: -1).iso])
                    ], accounts: [service.accountID: account], on: tx)
            }
        } else {
            service.updatedAt = context.clock.now
            try await service.update(on: tx)
            try await ServiceEventRecord(
                serviceID: serviceID, at: context.clock.now, event: "renewed", fromStatus: service.status,
                toStatus: service.status, actor: actor, note: "\(from.iso) – \(to.adding(days: -1).iso)"
            ).create(on: tx)
        }
    }

    /// The "start" jobs of expired services that were paid again (expiry stopped them on their
    /// backends), for the paying transaction to queue.
    static func resumeJobs(_ services: [ServiceRecord], on date: LocalDate) -> [JobQueue.NewJob] {
        services.map { service in
            JobQueue.serviceJob(
                .serviceStart, service: service, reason: .renewal, key: "resume:\(service.id!.uuidString.lowercased()):\(date.iso)")
        }
    }

    // MARK: what may be done

    /// What a client may do to a service: by its status, by what its plan's module can do, and,
    /// given a caller, by the caller's rights. The service page shows exactly these; the use
    /// cases refuse the rest.
    public func actions(for service: Service, caller: Caller? = nil) async throws -> Set<ClientServiceAction> {
        let supports = try await context.processingModule(forPlan: service.planID).module?.supports ?? []
        var possible = Self.actions(status: service.status, productType: service.productType, supports: supports)
        if service.productType.hasServer, service.ipAddress != nil, service.status != .deleted, context.modules.reverseDNS != nil {
            possible.insert(.reverseDNS)
        }
        guard let caller else { return possible }
        return possible.filter { caller.may($0.right) }
    }

    static func actions(status: ServiceStatus, productType: ProductType, supports: Set<ProvisioningOperation>) -> Set<ClientServiceAction> {
        var actions: Set<ClientServiceAction> = []
        if status == .active, supports.contains(.stop) { actions.insert(.stop) }
        if status == .stoppedByClient || status == .suspendedByClient, supports.contains(.start) { actions.insert(.start) }
        if status == .active, productType.hasServer, supports.contains(.reboot) { actions.insert(.reboot) }
        if status == .active, productType.hasServer, supports.contains(.reinstall) { actions.insert(.reinstall) }
        if status == .configurationRequired { actions.insert(.configure) }
        if status.renewable { actions.insert(.extend) }
        if status != .deleted {
            actions.insert(.autoRenew)
            actions.insert(.changePeriod)
        }
        if status == .active || status == .stoppedByClient { actions.insert(.changeResources) }
        if productType.clientMayDelete, status != .deleted, status != .processing, supports.contains(.delete) { actions.insert(.delete) }
        return actions
    }

    func require(_ action: ClientServiceAction, _ service: ServiceRecord) async throws {
        let value = context.value(service)
        guard try await actions(for: value).contains(action) else {
            if action == .delete, !service.productType.clientMayDelete { throw ServiceActionError.deletionNotAllowed }
            throw ServiceActionError.notAllowed(status: service.status)
        }
    }

    // MARK: lists

    public struct ListFilter: Sendable {
        public var type: ProductType?
        public var status: ServiceStatus?
        public var search: String
        public var includeDeleted: Bool
        /// The processing module of the services' plans (the staff list).
        public var module: String?

        public init(
            type: ProductType? = nil, status: ServiceStatus? = nil, search: String = "", includeDeleted: Bool = false,
            module: String? = nil
        ) {
            self.module = module
            self.type = type
            self.status = status
            self.search = search
            self.includeDeleted = includeDeleted
        }
    }

    /// The account's services (SVC-1), newest first.
    /// The account's services whose paid period ends within `days` (the dashboard's "Expiring
    /// soon"): running, stopped or suspended ones, soonest first; at most `limit`.
    public func expiringSoon(caller: Caller, days: Int = 14, limit: Int = 5) async throws -> [Service] {
        let account = try caller.account(for: .viewServices)
        let until = context.today.adding(days: days).iso
        let statuses = [ServiceStatus.active, .stoppedByClient, .suspendedByClient, .expired].map(\.rawValue)
        let services = try await ServiceRecord.plainRead(
            """
            SELECT \(ServiceRecord.columnList) FROM services WHERE account_id = \(bind: account.id)
            AND status IN (\(binds: statuses)) AND expires_on <= \(bind: until)
            ORDER BY expires_on, number LIMIT \(unsafeRaw: String(limit))
            """, on: context.database.sql)
        return try await context.values(services)
    }

    /// The caller's own services (the services page).
    public func list(caller: Caller, filter: ListFilter, page: PageRequest) async throws -> Page<Service> {
        try await list(accountID: try caller.account(for: .viewServices).id, filter: filter, page: page)
    }

    /// A client's services, for staff who may see services (the client card).
    public func list(of account: Account, filter: ListFilter, page: PageRequest, caller: Caller) async throws -> Page<Service> {
        try caller.require(.viewServices)
        return try await list(accountID: account.id, filter: filter, page: page)
    }

    /// Every account's services, for staff who may see services (`/admin/services`), with the
    /// filters of the client's list and the plan's module.
    public func listForStaff(filter: ListFilter, page: PageRequest, caller: Caller) async throws -> Page<Service> {
        try caller.require(.viewServices)
        return try await list(accountID: nil, filter: filter, page: page)
    }

    private func list(accountID: UUID?, filter: ListFilter, page: PageRequest) async throws -> Page<Service> {
        // Plain SQL: the services page runs this on every visit, and Fluent's decoding reflects
        // on every row.
        let sql = context.database.sql
        var conditions: [SQLQueryString] = accountID.map { ["account_id = \(bind: $0)"] } ?? ["1 = 1"]
        if let module = filter.module, !module.isEmpty {
            // Plans that name no module are served by the default one.
            let unnamed: SQLQueryString =
                module == context.modules.defaultName ? " OR processing_module IS NULL OR processing_module = ''" : ""
            conditions.append(
                "plan_id IN (SELECT id FROM \(unsafeRaw: PlanRecord.schema) WHERE processing_module = \(bind: module)\(unnamed))")
        }
        if let type = filter.type { conditions.append("product_type = \(bind: type.rawValue)") }
        if let status = filter.status {
            conditions.append("status = \(bind: status.rawValue)")
        } else if !filter.includeDeleted {
            conditions.append("status <> \(bind: ServiceStatus.deleted.rawValue)")
        }
        let text = filter.search.trimmingCharacters(in: .whitespaces).lowercased()
            .replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "")
        if !text.isEmpty {
            // PostgreSQL's LIKE is case-sensitive, SQLite's is not (for ASCII).
            let like: SQLQueryString = sql.dialect.name == "postgresql" ? "ILIKE" : "LIKE"
            var alternatives: [SQLQueryString] = ["domain_name", "plan_name", "ip_address"].map { column in
                "\(unsafeRaw: column) \(like) \(bind: "%\(text)%")"
            }
            if let number = Int(text.trimmingCharacters(in: CharacterSet(charactersIn: "#"))) {
                alternatives.append("number = \(bind: number)")
            }
            conditions.append("(\(alternatives.joined(separator: " OR ")))")
        }
        let condition = conditions.joined(separator: " AND ")
        let total =
            try await sql.raw("SELECT COUNT(*) AS n FROM services WHERE \(condition)").first()?.decode(column: "n", as: Int.self) ?? 0
        let page = page.within(total: total)
        let services = try await ServiceRecord.plainRead(
            """
            SELECT \(ServiceRecord.columnList) FROM services WHERE \(condition)
            ORDER BY number DESC LIMIT \(unsafeRaw: String(page.size)) OFFSET \(unsafeRaw: String(page.offset))
            """, on: sql)
        return Page(items: try await context.values(services), total: total, request: page)
    }

    /// A service's history, newest first.
    public func history(serviceID: UUID) async throws -> [ServiceHistoryEntry] {
        try await ServiceEventRecord.query(on: context.database).filter(\.$serviceID == serviceID)
            .sort(\.$at, .descending).sort(\.$id, .descending).limit(200).all().map(ServiceHistoryEntry.init)
    }
}

extension ServiceActionError: Refusal {
    public var code: String {
        switch self {
        case .notFound: "not_found"
        case .notAllowed, .deletionNotAllowed: "not_allowed"
        case .invalidHostName: "invalid_host_name"
        case .unknownOS: "os_not_offered"
        case .unknownAddress: "unknown_address"
        case .order(let error): error.code
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .notFound: .notFound
        case .order(let error): error.status
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .notFound: "error.not_found"
        case .notAllowed: "error.service.not_allowed"
        case .deletionNotAllowed: "error.service.deletion_not_allowed"
        case .invalidHostName: "error.service.invalid_host_name"
        case .unknownOS: "error.service.os_not_offered"
        case .unknownAddress: "error.service.unknown_address"
        case .order(let error): error.textKey
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .notAllowed(let status): ["status": .key("service.status." + status.rawValue)]
        case .order(let error): error.textArguments
        default: [:]
        }
    }
}
