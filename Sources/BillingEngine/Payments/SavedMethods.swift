import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation
import Payments

/// Saved payment methods (FIN-8): cards kept at the gateway, known here only by the gateway's
/// token and a label. Created through the gateway's set-up page or by "remember this method" at
/// checkout; renamed; deleted (services renewing from it go back to manual renewal, and the
/// client is told).
public struct SavedMethods: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// The account's methods, newest first (deleted ones are gone from every list).
    public func list(caller: Caller) async throws -> [SavedMethod] {
        try await methods(of: try caller.account(for: .paymentMethods).id).map(SavedMethod.init)
    }

    /// The methods a service may renew from, for the auto-renewal page: those who see services
    /// see which card each renews from, and those who manage them choose one (by its label; the
    /// methods themselves are managed with finance.methods).
    public func renewalChoices(caller: Caller) async throws -> [SavedMethod] {
        try await methods(of: try caller.account(for: .viewServices).id).filter { $0.status != .beingSetUp }.map(SavedMethod.init)
    }

    /// The account's methods that are not deleted, newest first.
    private func methods(of accountID: UUID) async throws -> [SavedMethodRecord] {
        try await SavedMethodRecord.query(on: context.database).filter(\.$accountID == accountID).filter(\.$deletedAt == nil)
            .sort(\.$createdAt, .descending).all()
    }

    public func find(_ id: UUID, caller: Caller) async throws -> SavedMethod? {
        let account = try await context.record(of: try caller.account(for: .paymentMethods))
        return try await stored(id, account: account).map(SavedMethod.init)
    }

    func stored(_ id: UUID, account: AccountRecord) async throws -> SavedMethodRecord? {
        guard let method = try await SavedMethodRecord.find(id, on: context.database), method.accountID == account.id!,
            method.deletedAt == nil
        else { return nil }
        return method
    }

    /// A set-up in progress: the saved method (Being set up) and the gateway's page for the payer.
    public struct SetupStarted: Sendable {
        public let savedMethod: SavedMethod
        public let url: String
    }

    /// Starts saving a card through a gateway's set-up page: the method is Being set up until
    /// the gateway's webhook confirms it.
    public func startSetup(
        methodID: UUID, caller: Caller, returnURL: (UUID) -> String,
        cancelURL: (UUID) -> String
    ) async throws -> SetupStarted {
        let account = try await context.record(of: try caller.account(for: .paymentMethods))
        guard let method = try await PaymentMethods(context: context).method(methodID), method.record.enabled, method.kind.isGateway,
            method.currency == account.currency, let driver = context.gateways.driver(method.kind.rawValue)
        else { throw PaymentError.methodUnavailable }
        guard driver.supportsSetup else { throw PaymentError.setupUnsupported }
        let saved = SavedMethodRecord(
            accountID: account.id!, methodID: methodID, gateway: driver.name, token: nil, customerID: nil,
            label: method.name, name: method.name, status: SavedMethodStatus.beingSetUp,
            createdAt: context.clock.now)
        try await saved.create(on: context.database)
        let owner = try await UserRecord.query(on: context.database).filter(\.$accountID == account.id!).filter(\.$isOwner == true).first()
        let customer = try await SavedMethodRecord.query(on: context.database).filter(\.$accountID == account.id!)
            .filter(\.$gateway == driver.name).filter(\.$customerID != nil).first()?.customerID
        do {
            let redirect = try await driver.startSetup(
                SetupRequest(
                    reference: saved.id!.uuidString.lowercased(), currency: method.currency, returnURL: returnURL(saved.id!),
                    cancelURL: cancelURL(saved.id!), customerEmail: owner?.email ?? "", customerID: customer,
                    idempotencyKey: saved.id!.uuidString.lowercased()))
            if let customerID = redirect.customerID {
                saved.customerID = customerID
                try await saved.update(on: context.database)
            }
            return SetupStarted(savedMethod: SavedMethod(saved), url: redirect.url)
        } catch {
            saved.status = .notWorking
            saved.lastError = String(String(describing: error).prefix(200))
            try await saved.update(on: context.database)
            throw PaymentError.gatewayFailed(String(describing: error))
        }
    }

    /// The gateway confirmed a set-up: the method is Enabled with the gateway's token.
    func completeSetup(savedMethodID: UUID, card: SavedCard, on tx: any Database) async throws -> Bool {
        guard let saved = try await SavedMethodRecord.find(savedMethodID, on: tx), saved.deletedAt == nil,
            saved.status == SavedMethodStatus.beingSetUp
        else { return false }
        saved.token = card.token
        saved.customerID = card.customerID ?? saved.customerID
        saved.label = card.label
        saved.name = card.label
        saved.status = SavedMethodStatus.enabled
        try await saved.update(on: tx)
        return true
    }

    func failSetup(savedMethodID: UUID, on tx: any Database) async throws -> Bool {
        guard let saved = try await SavedMethodRecord.find(savedMethodID, on: tx), saved.status == SavedMethodStatus.beingSetUp
        else { return false }
        saved.status = SavedMethodStatus.notWorking
        saved.lastError = "set-up failed"
        try await saved.update(on: tx)
        return true
    }

    /// Keeps a card the payer asked to remember at checkout (once per token).
    func keep(_ card: SavedCard, accountID: UUID, methodID: UUID, gateway: String, on tx: any Database) async throws {
        if try await SavedMethodRecord.query(on: tx).filter(\.$accountID == accountID).filter(\.$token == card.token)
            .filter(\.$deletedAt == nil).first() != nil
        {
            return
        }
        try await SavedMethodRecord(
            accountID: accountID, methodID: methodID, gateway: gateway, token: card.token,
            customerID: card.customerID, label: card.label, name: card.label,
            status: SavedMethodStatus.enabled, createdAt: context.clock.now
        ).create(on: tx)
    }

    public func rename(_ id: UUID, to name: String, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: .paymentMethods))
        guard let saved = try await stored(id, account: account) else { throw PaymentError.savedMethodNotFound }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 100 else { throw SavedMethodError.nameMissing }
        saved.name = trimmed
        try await saved.update(on: context.database)
    }

    /// Deletes a saved method: services renewing from it stop auto-renewing, autopayment using it
    /// stops, and the client gets an e-mail listing the services. Returns those services.
    @discardableResult
    public func delete(_ id: UUID, caller: Caller) async throws -> [Service] {
        let account = try await context.record(of: try caller.account(for: .paymentMethods))
        let actor = caller.initiator
        guard let saved = try await stored(id, account: account) else { throw PaymentError.savedMethodNotFound }
        return try await context.database.transaction { tx in
            saved.deletedAt = context.clock.now
            try await saved.update(on: tx)
            let services = try await ServiceRecord.query(on: tx).filter(\.$savedMethodID == id).all()
            for service in services {
                service.savedMethodID = nil
                let wasOn = service.autoRenew
                service.autoRenew = false
                try await service.update(on: tx)
                if wasOn {
                    try await ServiceEventRecord(
                        serviceID: service.id!, at: context.clock.now, event: "auto_renew_off",
                        fromStatus: service.status, toStatus: service.status, actor: actor,
                        note: saved.name
                    ).create(on: tx)
                }
            }
            if let autopay = try await AutopaySettingRecord.find(account.id!, on: tx), autopay.savedMethodID == id {
                autopay.enabled = false
                try await autopay.update(on: tx)
            }
            let names = services.map(ServiceLifecycle.summary).joined(separator: ", ")
            try await Notices(context: context).send(
                [
                    Notices.Notice(
                        accountID: account.id!, template: "method_deleted", dedupeKey: "method-deleted:\(id.uuidString.lowercased())",
                        arguments: ["method": saved.name, "services": names.isEmpty ? "—" : names])
                ], accounts: [account.id!: account], on: tx)
            return try await context.on(tx).values(services)
        }
    }

    /// A charge from this method failed (FIN-9): it becomes Not working and the client is told,
    /// once a day at most.
    func markNotWorking(_ saved: SavedMethodRecord, reason: String, on date: LocalDate) async throws {
        saved.status = SavedMethodStatus.notWorking
        saved.lastError = String(reason.prefix(200))
        try await saved.update(on: context.database)
        guard let account = try await AccountRecord.find(saved.accountID, on: context.database) else { return }
        try await Notices(context: context).send(
            [
                Notices.Notice(
                    accountID: saved.accountID, template: "method_failed",
                    dedupeKey: "method-failed:\(saved.id!.uuidString.lowercased()):\(date.iso)",
                    arguments: ["method": saved.name, "reason": reason])
            ], accounts: [saved.accountID: account], on: context.database)
    }

    func markWorking(_ saved: SavedMethodRecord) async throws {
        guard saved.status != SavedMethodStatus.enabled else { return }
        saved.status = SavedMethodStatus.enabled
        saved.lastError = nil
        try await saved.update(on: context.database)
    }

    /// The services whose renewal the client decides (FIN-7): running, stopped, expired or
    /// suspended by the client, by number.
    public func renewals(caller: Caller) async throws -> [Service] {
        let account = try caller.account(for: .viewServices)
        let statuses = ServiceStatus.renewableStatuses + [.suspendedByClient]
        return try await context.values(
            ServiceRecord.query(on: context.database).filter(\.$accountID == account.id).filter(\.$status ~~ statuses)
                .sort(\.$number).all())
    }

    /// One of the account's services as its renewal shows it; another account's is missing.
    public func renewal(serviceID: UUID, caller: Caller) async throws -> Service? {
        let account = try caller.account(for: .viewServices)
        guard let service = try await ServiceRecord.find(serviceID, on: context.database), service.accountID == account.id else {
            return nil
        }
        return try await context.values([service])[0]
    }

    /// Sets how a service renews (FIN-7): from the balance (`nil`) or a saved method; turning
    /// auto-renewal on or off at the same time.
    public func setRenewal(serviceID: UUID, savedMethodID: UUID?, autoRenew: Bool, caller: Caller) async throws {
        let account = try await context.record(of: try caller.account(for: .manageServices))
        let actor = caller.initiator
        guard let service = try await ServiceRecord.find(serviceID, on: context.database), service.accountID == account.id! else {
            throw OrderError.itemNotFound
        }
        if let savedMethodID {
            guard let saved = try await stored(savedMethodID, account: account).map(SavedMethod.init), saved.status != .beingSetUp else {
                throw PaymentError.savedMethodNotFound
            }
        }
        let changed = service.savedMethodID != savedMethodID || service.autoRenew != autoRenew
        guard changed else { return }
        let previous = service.autoRenew
        service.savedMethodID = savedMethodID
        service.autoRenew = autoRenew
        try await service.update(on: context.database)
        try await ServiceEventRecord(
            serviceID: serviceID, at: context.clock.now,
            event: previous == autoRenew ? "renewal_method" : (autoRenew ? "auto_renew_on" : "auto_renew_off"),
            fromStatus: service.status, toStatus: service.status, actor: actor,
            note: savedMethodID == nil ? "balance" : "saved method"
        ).create(on: context.database)
    }
}

public enum SavedMethodError: Error, Equatable, Sendable { case nameMissing }

extension SavedMethodError: Refusal {
    public var code: String { "name_missing" }
    public var textKey: String { "error.payment.method_name" }
}
