import BillingDomain
import BillingStore
import FluentKit
import Foundation
import Payments

/// Subscription charging (FIN-7, FIN-9): services that renew from a saved method are charged one
/// day before they expire (sixty for domains and SSL). A charge is a renewal order paid by an
/// off-session payment: once the money is credited, the order renews the service from the
/// balance, as any paid order does. A declined charge cancels both, marks the method Not working
/// and e-mails the client; the next day's pass tries again, and a method that works again is
/// Enabled again.
public struct SubscriptionCharges: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    static let actor = Initiator.system(job: "subscriptions")

    func run(on date: LocalDate, summary: inout RenewalRun.Summary) async throws {
        let horizon = date.adding(days: SubscriptionSchedule.leadDays(for: .domain))
        let candidates = try await ServiceRecord.query(on: context.database).filter(\.$savedMethodID != nil)
            .filter(\.$autoRenew == true).filter(\.$status ~~ ServiceStatus.renewableStatuses).filter(\.$expiresOn <= horizon.iso).sort(
                \.$number
            ).all()
        for service in candidates {
            let type = service.productType
            guard let expires = LocalDate(iso: service.expiresOn),
                SubscriptionSchedule.firstAttempt(expiresOn: expires, type: type) <= date
            else { continue }
            switch try await charge(service, on: date) {
            case .charged: summary.subscriptionsCharged += 1
            case .declined: summary.subscriptionsDeclined += 1
            case .skipped: continue
            }
        }
    }

    enum Result { case charged, declined, skipped }

    /// One attempt a day per service and period: the key names both.
    private func charge(_ service: ServiceRecord, on date: LocalDate) async throws -> Result {
        let key = "sub:\(service.id!.uuidString.lowercased()):\(service.expiresOn):\(date.iso)"
        if try await PaymentRecord.query(on: context.database).filter(\.$idempotencyKey == key).first() != nil { return .skipped }
        guard let savedID = service.savedMethodID, let saved = try await SavedMethodRecord.find(savedID, on: context.database),
            saved.deletedAt == nil, let token = saved.token,
            let method = try await PaymentMethods(context: context).method(saved.methodID),
            let driver = context.gateways.driver(saved.gateway),
            let account = try await AccountRecord.find(service.accountID, on: context.database)
        else { return .skipped }
        let order = try await Orders(context: context).requestRenewal(
            serviceID: service.id!, account: account, paymentMethod: method.id.uuidString.lowercased(), actor: Self.actor)
        guard let amounts = try? method.terms.amounts(for: order.total) else {
            try await Orders(context: context).cancel(orderID: order.id, accountID: account.id!)
            return .skipped
        }
        let flow = PaymentFlow(context: context)
        let payment = try await flow.insertPayment(
            account: account, method: method, amounts: amounts, purpose: .subscription,
            orderID: order.id, serviceID: service.id, savedMethodID: savedID,
            status: .beingPaid, key: key)
        return try await OffSessionPayment(context: context).collect(
            payment, amounts: amounts, saved: saved, token: token, driver: driver,
            description: ServiceLifecycle.summary(service), on: date,
            actor: Self.actor, orderToCancel: order.id, account: account)
            ? .charged : .declined
    }
}

/// Charges a saved method for a payment already recorded, and settles the result.
struct OffSessionPayment {
    let context: EngineContext

    /// `true` when the money was credited.
    func collect(
        _ payment: PaymentRecord, amounts: PaymentAmounts, saved: SavedMethodRecord, token: String, driver: any PaymentGateway,
        description: String, on date: LocalDate, actor: Initiator, orderToCancel: UUID?, account: AccountRecord
    ) async throws -> Bool {
        let flow = PaymentFlow(context: context)
        let methods = SavedMethods(context: context)
        let outcome: ChargeOutcome
        do {
            outcome = try await driver.charge(
                OffSessionCharge(
                    reference: payment.id!.uuidString.lowercased(), amount: amounts.total,
                    methodToken: token, customerID: saved.customerID,
                    description: description, idempotencyKey: payment.idempotencyKey))
        } catch {
            // The gateway did not answer. If it took the money after all, its webhook still credits
            // this payment to the balance (a cancelled payment accepts money). The method is not
            // blamed; tomorrow's pass tries again.
            context.log(.gateways).error(
                "gateway did not answer a charge",
                metadata: [
                    "payment": .stringConvertible(payment.number), "gateway": .string(driver.name),
                    "error": .string(String(describing: error).prefix(300).description)
                ])
            try await flow.cancel(paymentID: payment.id!, reason: "gateway unavailable")
            if let orderToCancel { try? await Orders(context: context).cancel(orderID: orderToCancel, accountID: account.id!) }
            return false
        }
        switch outcome {
        case .succeeded(let gatewayPaymentID, let amount):
            try await flow.credit(paymentID: payment.id!, received: amount, gatewayPaymentID: gatewayPaymentID, actor: actor)
            try await methods.markWorking(saved)
            return true
        case .declined(let reason):
            context.log(.gateways).warning(
                "charge declined",
                metadata: [
                    "payment": .stringConvertible(payment.number), "gateway": .string(driver.name), "reason": .string(reason)
                ])
            try await flow.cancel(paymentID: payment.id!, reason: reason)
            if let orderToCancel { try? await Orders(context: context).cancel(orderID: orderToCancel, accountID: account.id!) }
            try await methods.markNotWorking(saved, reason: reason, on: date)
            return false
        }
    }
}
