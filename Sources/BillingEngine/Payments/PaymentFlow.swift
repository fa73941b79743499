import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation
import Payments

/// Why a payment cannot be made as asked; each has a text in every language.
public enum PaymentError: Error, Equatable, Sendable {
    case methodUnavailable
    case terms(PaymentTermsError)
    case payerKindNotAllowed
    case payerNameMissing
    /// The payer's name holds invisible control characters.
    case payerNameInvalid
    case paymentNotFound
    case notPayable
    case notDeletable
    /// The order was checked out with another method (CAT-5): a new order is needed.
    case orderMethodFixed
    case gatewayFailed(String)
    case refundTooLarge(Money)
    /// A refund needs a reason of 1–500 characters (the bookkeeper reads it on the refund).
    case refundReasonMissing
    case notRefundable
    case notBankTransfer
    /// The amount staff read off the bank statement is not a positive amount in the invoice's currency.
    case receivedAmountInvalid
    /// The day the money arrived is before the invoice or after today.
    case receivedOnInvalid
    /// The bank's reference of the transfer: 1–100 characters, no control characters.
    case bankReferenceInvalid
    case savedMethodNotFound
    case setupUnsupported
}

/// Who pays: one of the account's payers, a new one, or nobody named (top-ups by a person).
public enum PayerChoice: Sendable, Equatable {
    case existing(UUID)
    case new(kind: PayerKind, name: String)
    case accountHolder
}

/// A payment to create: a top-up (no order) or the payment of a pending order.
public struct PaymentRequest: Sendable {
    public var methodID: UUID
    /// The top-up amount; ignored for an order (its frozen total is paid).
    public var amount: Money?
    public var orderID: UUID?
    /// A top-up made for a pending order paid from the balance (the order's "Top up" button):
    /// the amount is the top-up's own, and once it is credited the order is paid from the
    /// balance it filled, with no second step for the client.
    public var topUpFor: UUID?
    public var payer: PayerChoice
    public var saveMethod: Bool
    /// One payment per key: a repeated request (a double click, an API retry) finds the first.
    public var idempotencyKey: String

    public init(
        methodID: UUID, amount: Money?, orderID: UUID? = nil, topUpFor: UUID? = nil, payer: PayerChoice = .accountHolder,
        saveMethod: Bool = false, idempotencyKey: String
    ) {
        self.methodID = methodID
        self.amount = amount
        self.orderID = orderID
        self.topUpFor = topUpFor
        self.payer = payer
        self.saveMethod = saveMethod
        self.idempotencyKey = idempotencyKey
    }
}

/// The payment flow (FIN-2, FIN-3, FIN-4): create a payment (an invoice), send the payer to the
/// gateway, credit the balance when the money is in (one ledger transaction, keyed by the
/// payment), pay the order it was for, credit cashback as its own payment, refund.
public struct PaymentFlow: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    static let unpaidStatuses: [PaymentStatus] = [.new, .beingPaid]
    /// Why the client deleted an invoice: such an invoice is not tried again.
    static let deletedByClient = "deleted by client"
    static let creditableStatuses = PaymentStatus.allCases.filter(\.acceptsMoney)

    /// The amounts a payment of `amount` with a method comes to (the confirmation step).
    public func quote(methodID: UUID, amount: Money, caller: Caller) async throws -> (PaymentMethod, PaymentAmounts) {
        try await quote(methodID: methodID, amount: amount, currency: try caller.account(for: .pay).currency)
    }

    private func quote(methodID: UUID, amount: Money, currency: Currency) async throws -> (PaymentMethod, PaymentAmounts) {
        guard let method = try await PaymentMethods(context: context).method(methodID), method.record.enabled,
            method.currency == currency, method.kind != .balance
        else { throw PaymentError.methodUnavailable }
        if method.kind.isGateway, context.gateways.driver(method.kind.rawValue) == nil { throw PaymentError.methodUnavailable }
        do { return (method, try method.terms.amounts(for: amount)) } catch { throw PaymentError.terms(error) }
    }

    /// Creates the payment (status New). Nothing is charged yet.
    @discardableResult
    public func create(_ request: PaymentRequest, caller: Caller) async throws -> Payment {
        let account = try await context.record(of: try caller.account(for: .pay))
        if let existing = try await PaymentRecord.query(on: context.database).filter(\.$idempotencyKey == request.idempotencyKey).first() {
            guard existing.accountID == account.id! else { throw PaymentError.paymentNotFound }
            return value(existing)
        }
        var amount = request.amount
        var order: OrderRecord?
        if let orderID = request.orderID {
            guard let found = try await OrderRecord.find(orderID, on: context.database), found.accountID == account.id! else {
                throw OrderError.orderNotFound
            }
            guard found.status == .pending else { throw OrderError.orderNotPending }
            guard found.paymentMethod == request.methodID.uuidString.lowercased() else { throw PaymentError.orderMethodFixed }
            order = found
            amount = found.money(\.total)
        }
        guard let amount else { throw PaymentError.terms(.notPositive) }
        // The order a top-up is for: the account's, still pending, paid from the balance. The
        // payment keeps it (`order_id`, purpose top-up), and crediting pays it (`settleOrder`).
        var settles: UUID?
        if order == nil, let orderID = request.topUpFor {
            guard let found = try await OrderRecord.find(orderID, on: context.database), found.accountID == account.id! else {
                throw OrderError.orderNotFound
            }
            guard found.status == .pending else { throw OrderError.orderNotPending }
            settles = found.id
        }
        let (method, amounts) = try await quote(methodID: request.methodID, amount: amount, currency: account.currency)
        let payerID = try await payer(request.payer, method: method, account: account)
        return value(
            try await insertPayment(
                account: account, method: method, amounts: amounts, purpose: order == nil ? .topUp : .order,
                orderID: order?.id ?? settles, payerID: payerID, saveMethod: request.saveMethod && method.kind.isGateway,
                key: request.idempotencyKey))
    }

    /// The kind of payer a choice names (the account holder pays as a private person); `nil`
    /// for a payer the account does not have.
    public func payerKind(_ choice: PayerChoice, caller: Caller) async throws -> PayerKind? {
        let account = try caller.account(forAny: [.pay, .payers])
        return switch choice {
        case .accountHolder: .person
        case .new(let kind, _): kind
        case .existing(let id): try await payer(id, accountID: account.id)?.kind
        }
    }

    /// One of the account's payers; another account's is indistinguishable from a missing one.
    public func payer(_ id: UUID, caller: Caller) async throws -> Payer? {
        try await payer(id, accountID: try caller.account(forAny: [.pay, .payers]).id)
    }

    private func payer(_ id: UUID, accountID: UUID) async throws -> Payer? {
        guard let payer = try await PayerRecord.find(id, on: context.database), payer.accountID == accountID else { return nil }
        return Payer(payer)
    }

    private func payer(_ choice: PayerChoice, method: PaymentMethod, account: AccountRecord) async throws -> UUID? {
        switch choice {
        case .accountHolder:
            guard method.payerKinds.contains(.person) else { throw PaymentError.payerKindNotAllowed }
            return nil
        case .existing(let id):
            guard let payer = try await PayerRecord.find(id, on: context.database), payer.accountID == account.id! else {
                throw PaymentError.payerNameMissing
            }
            guard method.payerKinds.contains(payer.kind) else {
                throw PaymentError.payerKindNotAllowed
            }
            return id
        case .new(let kind, let name):
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= 200 else { throw PaymentError.payerNameMissing }
            guard !trimmed.hasControlCharacters() else { throw PaymentError.payerNameInvalid }
            guard method.payerKinds.contains(kind) else { throw PaymentError.payerKindNotAllowed }
            // The same payer typed again (or by two payments started at once) is the one payer:
            // the unique index refuses a second row and the first is used.
            func existing() async throws -> UUID? {
                try await PayerRecord.query(on: context.database).filter(\.$accountID == account.id!).filter(\.$kind == kind)
                    .filter(\.$name == trimmed).first()?.id
            }
            if let id = try await existing() { return id }
            let payer = PayerRecord(accountID: account.id!, kind: kind, name: trimmed, createdAt: context.clock.now)
            do {
                try await payer.create(on: context.database)
            } catch  where error.isConstraintViolation {
                if let id = try await existing() { return id }
                throw error
            }
            return payer.id
        }
    }

    /// Inserts a payment with the next number; a number taken by a concurrent insert is retried.
    func insertPayment(
        account: AccountRecord, method: PaymentMethod, amounts: PaymentAmounts, purpose: PaymentPurpose, orderID: UUID? = nil,
        serviceID: UUID? = nil, payerID: UUID? = nil, savedMethodID: UUID? = nil, saveMethod: Bool = false,
        status: PaymentStatus = .new, key: String
    ) async throws -> PaymentRecord {
        var attempt = 0
        while true {
            attempt += 1
            let number = try await context.nextNumber(in: PaymentRecord.schema, floor: 500_000, on: context.database)
            let payment = PaymentRecord(
                accountID: account.id!, number: number, methodID: method.id, channel: .method(method.kind),
                purpose: purpose, currency: amounts.amount.currency, amount: amounts.amount.units,
                commission: amounts.commission.units, total: amounts.total.units, cashback: amounts.cashback.units,
                status: status, idempotencyKey: key, createdAt: context.clock.now)
            payment.orderID = orderID
            payment.serviceID = serviceID
            payment.payerID = payerID
            payment.savedMethodID = savedMethodID
            payment.saveMethod = saveMethod
            do {
                try await payment.create(on: context.database)
                context.log(.payments).info(
                    "payment created",
                    metadata: [
                        "payment": .stringConvertible(number), "method": .string(method.kind.rawValue),
                        "purpose": .string(purpose.rawValue),
                        "total": .stringConvertible(amounts.total)
                    ])
                return payment
            } catch  where error.isConstraintViolation {
                if let existing = try await PaymentRecord.query(on: context.database).filter(\.$idempotencyKey == key).first() {
                    return existing
                }
                // Payments started at once race for the next number; each loss reads again. (A
                // sequence row replaces MAX + 1 when documents get their gapless numbers.)
                if attempt >= 20 { throw error }
            }
        }
    }

    /// Sends the payer to the gateway's page; returns where to go. Asked again (a second click,
    /// fifty clicks at once), the gateway answers with the same session (same idempotency key),
    /// and whichever session the payer completes credits the payment once.
    /// `nil` for a bank transfer: the invoice itself is what the payer needs.
    /// `byAccountUser` is false when whoever pays is not known to be the account's own user (a
    /// pay link opened by anyone): then no card is ever kept for the account, whatever the
    /// invoice asked, since the card would be a stranger's, usable for the account's renewals.
    public func start(paymentID: UUID, returnURL: String, cancelURL: String, byAccountUser: Bool = true) async throws -> String? {
        guard let payment = try await PaymentRecord.find(paymentID, on: context.database) else { throw PaymentError.paymentNotFound }
        if !byAccountUser, payment.saveMethod {
            // Cleared on the payment itself, so whichever session completes it, nothing is saved.
            try await PaymentRecord.query(on: context.database).filter(\.$id == paymentID).set(\.$saveMethod, to: false).update()
            payment.saveMethod = false
        }
        // A payment the gateway declined or the payer abandoned (Cancelled) may be tried again;
        // one the client deleted may not.
        let retrying = payment.status == PaymentStatus.cancelled && payment.failure != Self.deletedByClient
        guard payment.status.isUnpaid || retrying else { throw PaymentError.notPayable }
        guard let kind = payment.channel.methodKind, kind.isGateway else { return nil }
        guard let driver = context.gateways.driver(kind.rawValue) else {
            throw PaymentError.methodUnavailable
        }
        let owner = try await UserRecord.query(on: context.database).filter(\.$accountID == payment.accountID)
            .filter(\.$isOwner == true).first()
        let customer = try await SavedMethodRecord.query(on: context.database).filter(\.$accountID == payment.accountID)
            .filter(\.$gateway == kind.rawValue).filter(\.$customerID != nil).first()?.customerID
        let redirect: GatewayRedirect
        do {
            redirect = try await driver.startCheckout(
                CheckoutRequest(
                    reference: paymentID.uuidString.lowercased(), amount: payment.money(\.total),
                    description: "\(context.provider.name) #\(payment.number)", returnURL: returnURL, cancelURL: cancelURL,
                    saveMethod: payment.saveMethod, customerEmail: owner?.email ?? "",
                    customerID: customer,
                    // The return address is part of the session: the client area and a pay link
                    // each get their own, and repeated clicks from one page get the same one.
                    // A retry after a decline needs a new session: its key carries the minute.
                    idempotencyKey: "\(paymentID.uuidString.lowercased()):\(SecretToken.digest(returnURL).prefix(12))"
                        + (retrying ? ":retry-\(Int(context.clock.now.timeIntervalSince1970 / 60))" : "")))
        } catch {
            throw PaymentError.gatewayFailed(String(describing: error))
        }
        let sql = context.database.sql
        try await sql.raw(
            """
            UPDATE payments SET status = \(bind: PaymentStatus.beingPaid.rawValue), gateway_session_id = \(bind: redirect.sessionID),
            redirect_url = \(bind: redirect.url), failure = NULL WHERE id = \(bind: paymentID)
            AND (status IN (\(binds: Self.unpaidStatuses)) OR (status = \(bind: PaymentStatus.cancelled.rawValue) AND \(bind: retrying)))
            """
        ).run()
        return redirect.url
    }

    /// What crediting did.
    public struct Credited: Sendable, Equatable {
        /// `false` when the payment was credited before (a repeated event).
        public let isNew: Bool
        public let orderID: UUID?
        public let accountID: UUID
    }

    /// Credits a payment inside the caller's transaction: claims it (only one caller can), posts
    /// one balanced ledger transaction keyed `payment:<id>` (client +amount, commission income,
    /// clearing −total), credits cashback as its own payment, keeps the card if asked.
    /// `received` is the gateway's figure: when it differs from the invoice the commission is
    /// kept and the balance gets the rest.
    func credit(
        _ payment: PaymentRecord, received: Money, gatewayPaymentID: String, card: SavedCard?, actor: Initiator,
        on tx: any Database
    ) async throws -> Credited {
        let sql = tx.sql
        guard received.currency == payment.currency,
            received.isPositive
        else { throw PaymentError.notPayable }
        let currency = payment.currency
        let commission = min(payment.commission, max(0, received.units - 1))
        let amount = Money(units: received.units - commission, currency: currency)
        let now = context.clock.now
        let claimed = try await sql.raw(
            """
            UPDATE payments SET status = \(bind: PaymentStatus.credited.rawValue), credited_at = \(bind: now),
            gateway_payment_id = \(bind: gatewayPaymentID), amount = \(bind: amount.units), commission = \(bind: commission),
            total = \(bind: received.units) WHERE id = \(bind: payment.id!) AND status IN (\(binds: Self.creditableStatuses)) RETURNING id
            """
        ).all()
        guard !claimed.isEmpty else { return Credited(isNew: false, orderID: payment.orderID, accountID: payment.accountID) }
        let clearing = Self.clearing(payment)
        var lines = [LedgerLine(.clientBalance(payment.accountID), amount), LedgerLine(clearing, received.negated)]
        if commission > 0 { lines.append(LedgerLine(.paymentCommission, Money(units: commission, currency: currency))) }
        let posting = try LedgerPosting(
            idempotencyKey: "payment:\(payment.id!.uuidString.lowercased())", kind: .payment,
            memo: "Payment #\(payment.number)", text: .payment(number: payment.number), lines: lines)
        let posted = try await context.ledger.post(posting, actor: actor, on: tx)
        try await sql.raw("UPDATE payments SET ledger_transaction_id = \(bind: posted.transactionID) WHERE id = \(bind: payment.id!)").run()
        if payment.cashback > 0 { try await creditCashback(of: payment, on: tx) }
        if let card, payment.saveMethod, let methodID = payment.methodID {
            try await SavedMethods(context: context.on(tx)).keep(
                card, accountID: payment.accountID, methodID: methodID,
                gateway: payment.channel.rawValue, on: tx)
        }
        // The receipt, in the crediting transaction: sent once, never for money that did not come.
        if let account = try await AccountRecord.find(payment.accountID, on: tx) {
            try await Notices(context: context.on(tx)).send(
                [
                    Notices.money(
                        "payment_received", account: account, key: "payment-received:\(payment.id!.uuidString.lowercased())",
                        arguments: ["number": String(payment.number)], amounts: ["amount": amount, "total": received])
                ], accounts: [account.id!: account], on: tx)
        }
        context.log(.payments).info(
            "payment credited",
            metadata: [
                "payment": .stringConvertible(payment.number), "received": .stringConvertible(received),
                "to_balance": .stringConvertible(amount), "by": .string(actor.stored)
            ])
        return Credited(isNew: true, orderID: payment.orderID, accountID: payment.accountID)
    }

    /// Where a payment's money waits before it reaches the provider's bank: the gateway's
    /// clearing account, or `clearing:bank` for transfers.
    static func clearing(_ payment: PaymentRecord) -> LedgerAccount {
        .gatewayClearing(payment.channel == .method(.bankTransfer) ? "bank" : payment.channel.rawValue)
    }

    /// Cashback (FIN-3) as its own credited payment, paid for by the provider's cashback account.
    private func creditCashback(of payment: PaymentRecord, on tx: any Database) async throws {
        let cashback = payment.money(\.cashback)
        let number = try await context.nextNumber(in: PaymentRecord.schema, floor: 500_000, on: tx)
        let reward = PaymentRecord(
            accountID: payment.accountID, number: number, methodID: nil, channel: .cashback,
            purpose: .cashback, currency: payment.currency, amount: cashback.units, commission: 0,
            total: cashback.units, cashback: 0, status: PaymentStatus.credited,
            idempotencyKey: "cashback:\(payment.id!.uuidString.lowercased())", createdAt: context.clock.now)
        reward.cashbackOf = payment.id
        reward.creditedAt = context.clock.now
        let posted = try await context.ledger.post(
            try .credit(
                client: payment.accountID, amount: cashback, from: .cashback, kind: .cashback,
                memo: "Cashback for payment #\(payment.number)", text: .cashback(number: payment.number),
                idempotencyKey: "cashback:\(payment.id!.uuidString.lowercased())"),
            actor: .system(job: "cashback"), on: tx)
        reward.ledgerTransactionID = posted.transactionID
        try await reward.create(on: tx)
    }

    /// Credits a payment in its own transaction and then pays the order it was for. A payment
    /// number taken by a concurrent cashback is retried; a repeat finds the payment credited.
    @discardableResult
    public func credit(
        paymentID: UUID, received: Money, gatewayPaymentID: String, card: SavedCard? = nil,
        actor: Initiator
    ) async throws -> Credited {
        let credited = try await retryingNumberClash {
            try await context.database.transaction { tx in
                guard let payment = try await PaymentRecord.find(paymentID, on: tx) else { throw PaymentError.paymentNotFound }
                return try await credit(payment, received: received, gatewayPaymentID: gatewayPaymentID, card: card, actor: actor, on: tx)
            }
        }
        if credited.isNew { try await settleOrder(credited) }
        return credited
    }

    /// Runs a crediting transaction again (up to three times) when it failed for anything but a
    /// refusal: a payment number taken by a concurrent cashback rolls the whole transaction back.
    private func retryingNumberClash<T>(_ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do { return try await body() } catch let error as PaymentError { throw error } catch {
                if attempt >= 3 { throw error }
            }
        }
    }

    /// Pays the order a credited payment was for, from the balance the payment just filled. An
    /// order that can no longer be paid (cancelled meanwhile) leaves the money on the balance.
    func settleOrder(_ credited: Credited) async throws {
        guard let orderID = credited.orderID, let account = try await AccountRecord.find(credited.accountID, on: context.database) else {
            return
        }
        do {
            try await Orders(context: context).pay(orderID: orderID, account: account, actor: .system(job: "payments"))
        } catch is OrderError {
            return
        }
    }

    /// A payment the gateway declined or the payer abandoned: Cancelled, unless money already came.
    public func cancel(paymentID: UUID, reason: String) async throws {
        let sql = context.database.sql
        let cancelled = try await sql.raw(
            """
            UPDATE payments SET status = \(bind: PaymentStatus.cancelled.rawValue), failure = \(bind: String(reason.prefix(200)))
            WHERE id = \(bind: paymentID) AND status IN (\(binds: Self.unpaidStatuses)) RETURNING number
            """
        ).all()
        if let number = try cancelled.first?.decode(column: "number", as: Int.self) {
            context.log(.payments).info(
                "payment cancelled", metadata: ["payment": .stringConvertible(number), "reason": .string(String(reason.prefix(200)))])
        }
    }

    /// The client deletes an unpaid invoice (FIN-4). The record stays, Cancelled, for the books.
    public func delete(paymentID: UUID, caller: Caller) async throws {
        let account = try caller.account(for: .pay)
        guard let payment = try await find(paymentID, accountID: account.id) else { throw PaymentError.paymentNotFound }
        guard payment.status.isUnpaid else { throw PaymentError.notDeletable }
        try await cancel(paymentID: paymentID, reason: Self.deletedByClient)
    }

    /// What staff read off the bank statement when a transfer arrives.
    public struct BankReceipt: Sendable {
        /// What arrived; `nil` for the invoice's total. Less (the bank kept a fee) or more is
        /// credited as it came: the commission is kept and the balance gets the rest.
        public var amount: Money?
        /// The day the money arrived per the statement; `nil` for today.
        public var receivedOn: LocalDate?
        /// The bank's reference of the transfer, for matching the statement later.
        public var reference: String?

        public init(amount: Money? = nil, receivedOn: LocalDate? = nil, reference: String? = nil) {
            self.amount = amount
            self.receivedOn = receivedOn
            self.reference = reference
        }
    }

    /// Staff confirm that a bank transfer arrived: what arrived is credited, and the payment
    /// keeps who confirmed it, the day of the statement and the bank's reference, in the
    /// crediting transaction. For a caller who manages payments; a second confirmation is
    /// refused (not payable).
    public func confirmBankTransfer(paymentID: UUID, receipt: BankReceipt, caller: Caller) async throws {
        try caller.require(.managePayments)
        guard let payment = try await PaymentRecord.find(paymentID, on: context.database) else { throw PaymentError.paymentNotFound }
        guard payment.channel == .method(.bankTransfer) else { throw PaymentError.notBankTransfer }
        guard payment.status.acceptsMoney else { throw PaymentError.notPayable }
        let received = receipt.amount ?? payment.money(\.total)
        guard received.currency == payment.currency, received.isPositive else { throw PaymentError.receivedAmountInvalid }
        let today = context.today
        let receivedOn = receipt.receivedOn ?? today
        let created = context.calendar.date(of: payment.createdAt)
        guard receivedOn <= today, receivedOn >= created else { throw PaymentError.receivedOnInvalid }
        let reference = (receipt.reference ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard reference.count <= 100, !reference.hasControlCharacters() else { throw PaymentError.bankReferenceInvalid }
        let credited = try await retryingNumberClash {
            try await context.database.transaction { tx in
                guard let fresh = try await PaymentRecord.find(paymentID, on: tx) else { throw PaymentError.paymentNotFound }
                let credited = try await credit(
                    fresh, received: received, gatewayPaymentID: "bank:\(fresh.number)", card: nil, actor: caller.initiator, on: tx)
                guard credited.isNew else { throw PaymentError.notPayable }
                try await tx.sql.raw(
                    """
                    UPDATE payments SET confirmed_by = \(bind: caller.initiator.stored), received_on = \(bind: receivedOn.iso),
                    bank_reference = \(bind: reference.isEmpty ? nil : reference) WHERE id = \(bind: paymentID)
                    """
                ).run()
                return credited
            }
        }
        try await settleOrder(credited)
    }

    /// Refunds part or all of a credited payment (staff): through the gateway where the money
    /// came from one, always through the ledger (client −amount, clearing +amount). The
    /// commission is not returned.
    ///
    /// The amount is reserved on the payment (with the refund row) before the gateway is asked,
    /// so two refunds at once can never together send back more than was paid; a gateway that
    /// fails releases the reservation. The key makes a repeat harmless: the gateway gets the same
    /// idempotency key, the ledger the same transaction key, and a refund left half-done (the
    /// process died after the reservation) is completed by the repeat.
    public func refund(paymentID: UUID, amount: Money, reason: String, caller: Caller, key: String) async throws {
        try caller.require(.managePayments)
        let actor = caller.initiator
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else { throw PaymentError.refundReasonMissing }
        guard let payment = try await PaymentRecord.find(paymentID, on: context.database) else { throw PaymentError.paymentNotFound }
        let ledgerKey = "refund:\(key)"
        let refund: RefundRecord
        if let existing = try await RefundRecord.query(on: context.database).filter(\.$idempotencyKey == key).first() {
            guard existing.paymentID == paymentID else { throw PaymentError.notRefundable }
            if try await LedgerTransactionRecord.query(on: context.database).filter(\.$idempotencyKey == ledgerKey).first() != nil {
                return
            }
            refund = existing
        } else {
            guard let reserved = try await reserveRefund(payment, amount: amount, reason: reason, actor: actor, key: key) else { return }
            refund = reserved
        }
        let refundAmount = refund.money(\.amount)
        var gatewayRefundID: String?
        if payment.channel.isGateway, let gatewayPaymentID = payment.gatewayPaymentID {
            do {
                guard let driver = context.gateways.driver(payment.channel.rawValue) else { throw PaymentError.methodUnavailable }
                gatewayRefundID = try await driver.refund(gatewayPaymentID: gatewayPaymentID, amount: refundAmount, idempotencyKey: key)
            } catch {
                context.log(.gateways).warning(
                    "refund refused by the gateway",
                    metadata: [
                        "payment": .stringConvertible(payment.number), "gateway": .string(payment.channel.rawValue),
                        "amount": .stringConvertible(refundAmount), "error": .string(String(describing: error).prefix(300).description)
                    ])
                try await releaseRefund(refund)
                if let error = error as? PaymentError { throw error }
                throw PaymentError.gatewayFailed(String(describing: error))
            }
        }
        let gatewayRefund = gatewayRefundID
        try await context.database.transaction { tx in
            let sql = tx.sql
            // The reservation must still stand: a repeat of this request whose gateway call failed
            // may have released it. Then nothing is posted, and the next repeat reserves again
            // (the gateway answers it with this same refund).
            let kept = try await sql.raw(
                """
                UPDATE refunds SET gateway_refund_id = COALESCE(\(bind: gatewayRefund), gateway_refund_id) WHERE id = \(bind: refund.id!)
                RETURNING id
                """
            ).all()
            guard !kept.isEmpty else { throw PaymentError.gatewayFailed("the refund was released by a concurrent attempt; repeat it") }
            try await context.ledger.post(
                try LedgerPosting(
                    idempotencyKey: ledgerKey, kind: .refund,
                    memo: "Refund of payment #\(payment.number)", text: .refund(number: payment.number),
                    lines: [
                        LedgerLine(.clientBalance(payment.accountID), refundAmount.negated),
                        LedgerLine(Self.clearing(payment), refundAmount)
                    ]), actor: actor, on: tx)
            try await returnCashback(of: payment, refund: refundAmount, key: key, actor: actor, on: tx)
            if let account = try await AccountRecord.find(payment.accountID, on: tx) {
                try await Notices(context: context.on(tx)).send(
                    [
                        Notices.money(
                            "refund_made", account: account, key: "refund:\(refund.id!.uuidString.lowercased())",
                            arguments: ["number": String(payment.number), "reason": refund.reason], amounts: ["amount": refundAmount])
                    ], accounts: [account.id!: account], on: tx)
            }
        }
        context.log(.payments).info(
            "payment refunded",
            metadata: [
                "payment": .stringConvertible(payment.number), "amount": .stringConvertible(refundAmount), "by": .string(actor.stored)
            ])
    }

    /// The cashback a payment earned goes back with its refund, in proportion: refunding half the
    /// payment returns half the cashback, and the refund that completes it returns whatever is
    /// left, so a full refund leaves the client nothing of the cashback. The cashback payment
    /// shows what was returned (`refunded`, Refunded when all of it).
    private func returnCashback(of payment: PaymentRecord, refund: Money, key: String, actor: Initiator, on tx: any Database) async throws {
        guard payment.cashback > 0, payment.amount > 0,
            let reward = try await PaymentRecord.query(on: tx).filter(\.$cashbackOf == payment.id!).first()
        else { return }
        let sql = tx.sql
        let left = reward.amount - reward.refunded
        guard left > 0 else { return }
        let row = try await sql.raw("SELECT refunded FROM payments WHERE id = \(bind: payment.id!)").first()
        let refundedNow = try row?.decode(column: "refunded", as: Int64.self) ?? 0
        let currency = refund.currency
        let share: Int64
        if refundedNow >= payment.amount {
            share = left
        } else {
            let proportional = Money(units: Rounding.multiplyHalfUp(payment.cashback, refund.units, payment.amount), currency: currency)
            share = min(left, proportional.roundedToMinorUnit().units)
        }
        guard share > 0 else { return }
        let posted = try await context.ledger.post(
            try LedgerPosting(
                idempotencyKey: "refund-cashback:\(key)", kind: .cashback,
                memo: "Cashback returned with the refund of payment #\(payment.number)",
                text: .cashbackReturned(number: payment.number),
                lines: [
                    LedgerLine(.clientBalance(payment.accountID), Money(units: -share, currency: currency)),
                    LedgerLine(.cashback, Money(units: share, currency: currency))
                ]), actor: actor, on: tx)
        guard !posted.isReplay else { return }
        try await sql.raw(
            """
            UPDATE payments SET refunded = refunded + \(bind: share),
            status = CASE WHEN refunded + \(bind: share) >= amount THEN \(bind: PaymentStatus.refunded.rawValue) ELSE status END
            WHERE id = \(bind: reward.id!)
            """
        ).run()
    }

    /// Reserves a refund against what is left of the payment and records it. `nil` when a
    /// concurrent request with the same key reserved it first (that request finishes it).
    private func reserveRefund(
        _ payment: PaymentRecord, amount: Money, reason: String, actor: Initiator,
        key: String
    ) async throws -> RefundRecord? {
        guard payment.status == PaymentStatus.credited, payment.purpose != .cashback,
            amount.currency == payment.currency
        else { throw PaymentError.notRefundable }
        let currency = payment.currency
        let remaining = payment.money(\.amount) - payment.money(\.refunded)
        guard amount.isPositive, amount.isWholeMinorUnits, amount <= remaining else { throw PaymentError.refundTooLarge(remaining) }
        let refund = RefundRecord(
            paymentID: payment.id!, amount: amount.units, currency: currency, gatewayRefundID: nil,
            reason: String(reason.prefix(500)), actor: actor, idempotencyKey: key, createdAt: context.clock.now)
        do {
            try await context.database.transaction { tx in
                let sql = tx.sql
                let claimed = try await sql.raw(
                    """
                    UPDATE payments SET refunded = refunded + \(bind: amount.units),
                    status = CASE WHEN refunded + \(bind: amount.units) = amount THEN \(bind: PaymentStatus.refunded.rawValue) ELSE status END
                    WHERE id = \(bind: payment.id!) AND status = \(bind: PaymentStatus.credited.rawValue)
                    AND amount - refunded >= \(bind: amount.units) RETURNING id
                    """
                ).all()
                guard !claimed.isEmpty else {
                    let fresh = try await PaymentRecord.find(payment.id!, on: tx)
                    throw PaymentError.refundTooLarge(Money(units: (fresh?.amount ?? 0) - (fresh?.refunded ?? 0), currency: currency))
                }
                try await refund.create(on: tx)
            }
        } catch let error as PaymentError {
            throw error
        } catch  where error.isConstraintViolation {
            // The unique key: the same refund was reserved a moment ago by a repeat of this request.
            if try await RefundRecord.query(on: context.database).filter(\.$idempotencyKey == key).first() != nil { return nil }
            throw error
        }
        return refund
    }

    /// Gives back a reservation the gateway refused: the refund row goes, the amount is free again.
    private func releaseRefund(_ refund: RefundRecord) async throws {
        try await context.database.transaction { tx in
            let sql = tx.sql
            // Only the caller that removes the row gives the amount back, and never once posted.
            guard
                try await LedgerTransactionRecord.query(on: tx).filter(\.$idempotencyKey == "refund:\(refund.idempotencyKey)").first()
                    == nil
            else { return }
            let removed = try await sql.raw("DELETE FROM refunds WHERE id = \(bind: refund.id!) RETURNING id").all()
            guard !removed.isEmpty else { return }
            try await sql.raw(
                """
                UPDATE payments SET refunded = refunded - \(bind: refund.amount), status = \(bind: PaymentStatus.credited.rawValue)
                WHERE id = \(bind: refund.paymentID)
                """
            ).run()
        }
    }

    // MARK: reading

    /// Which invoices a list shows (FIN-4): unpaid by default.
    public enum Filter: String, Sendable, CaseIterable {
        case unpaid, paid, all

        var statuses: [PaymentStatus]? {
            switch self {
            case .unpaid: PaymentFlow.unpaidStatuses
            case .paid: [.credited, .refunded]
            case .all: nil
            }
        }
    }

    /// The caller's own payments (the payments page, the API's list).
    public func list(caller: Caller, filter: Filter, page: PageRequest) async throws -> Page<Payment> {
        try await list(accountID: try caller.account(for: .viewFinance).id, filter: filter, page: page)
    }

    /// A client's payments, for staff who manage payments (the client card).
    public func list(of account: Account, filter: Filter, page: PageRequest, caller: Caller) async throws -> Page<Payment> {
        try caller.require(.managePayments)
        return try await list(accountID: account.id, filter: filter, page: page)
    }

    private func list(accountID: UUID, filter: Filter, page: PageRequest) async throws -> Page<Payment> {
        // Plain SQL: the payments page and the API's list run this on every visit.
        let sql = context.database.sql
        var condition: SQLQueryString = "account_id = \(bind: accountID)"
        if let statuses = filter.statuses {
            condition = condition + " AND status IN (\(binds: statuses.map(\.rawValue)))"
        }
        let total =
            try await sql.raw("SELECT COUNT(*) AS n FROM payments WHERE \(condition)").first()?.decode(column: "n", as: Int.self) ?? 0
        let page = page.within(total: total)
        let items = try await PaymentRecord.plainRead(
            """
            SELECT \(PaymentRecord.columnList) FROM payments WHERE \(condition) ORDER BY created_at DESC, number DESC
            LIMIT \(unsafeRaw: String(page.size)) OFFSET \(unsafeRaw: String(page.offset))
            """, on: sql)
        return Page(items: items, total: total, request: page).map(value)
    }

    /// One of the account's payments; another account's is indistinguishable from a missing one.
    /// For those who may see finances, and for those who may pay (the result of their payment).
    /// A payment of the caller's account: for those who see finances, who pay, and who file the
    /// documents (the invoice of a payment is one; the walk of single rights found it refused).
    public func find(_ id: UUID, caller: Caller) async throws -> Payment? {
        try await find(id, accountID: try caller.account(forAny: [.viewFinance, .pay, .documents]).id)
    }

    func find(_ id: UUID, accountID: UUID) async throws -> Payment? {
        guard let payment = try await PaymentRecord.find(id, on: context.database), payment.accountID == accountID else { return nil }
        return value(payment)
    }

    /// Any payment, for staff (their rights are checked by the edge).
    public func payment(_ id: UUID) async throws -> Payment? {
        try await PaymentRecord.find(id, on: context.database).map(value)
    }

    /// What a payment's pages show beside it: its method (as configured now) and its payer.
    public func details(of payment: Payment) async throws -> (method: PaymentMethod?, payer: Payer?) {
        var method: PaymentMethod?
        var payer: Payer?
        if let id = payment.methodID { method = try await PaymentMethods(context: context).method(id) }
        if let id = payment.payerID { payer = try await PayerRecord.find(id, on: context.database).map(Payer.init) }
        return (method, payer)
    }

    /// The payers of a page of payments, by id, in one query.
    public func payers(of payments: [Payment]) async throws -> [UUID: Payer] {
        let ids = Set(payments.compactMap(\.payerID))
        guard !ids.isEmpty else { return [:] }
        return Dictionary(
            uniqueKeysWithValues: try await PayerRecord.query(on: context.database).filter(\.$id ~~ ids).all().map { ($0.id!, Payer($0)) })
    }

    /// The account's payers, by name, for the payment form.
    public func payers(caller: Caller) async throws -> [Payer] {
        let account = try caller.account(forAny: [.pay, .payers])
        return try await PayerRecord.query(on: context.database).filter(\.$accountID == account.id).sort(\.$name).all().map(Payer.init)
    }

    public func refunds(of payment: Payment) async throws -> [Refund] {
        try await RefundRecord.query(on: context.database).filter(\.$paymentID == payment.id).sort(\.$createdAt).all()
            .map { Refund($0, currency: payment.currency) }
    }

    /// The clients of some payments (code, owner's name and e-mail), by account, in two queries.
    public func clients(of payments: [Payment]) async throws -> [UUID: PaymentClient] {
        let accountIDs = Set(payments.map(\.accountID))
        guard !accountIDs.isEmpty else { return [:] }
        let accounts = try await AccountRecord.query(on: context.database).filter(\.$id ~~ accountIDs).all()
        let owners = try await UserRecord.query(on: context.database).filter(\.$accountID ~~ accountIDs).filter(\.$isOwner == true).all()
        let ownerByAccount = Dictionary(owners.map { ($0.accountID, $0) }, uniquingKeysWith: { first, _ in first })
        let accountByID = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id!, $0) })
        return Dictionary(
            uniqueKeysWithValues: accountIDs.map { id in
                (
                    id,
                    PaymentClient(
                        accountID: id, clientCode: accountByID[id]?.clientCode, accountName: accountByID[id]?.name,
                        ownerName: ownerByAccount[id]?.name, ownerEmail: ownerByAccount[id]?.email)
                )
            })
    }

    /// An order of the account waiting to be paid through the payment form (CAT-5): its frozen
    /// total and the method it was checked out with.
    public func orderToPay(_ orderID: UUID, caller: Caller) async throws -> OrderToPay? {
        let account = try caller.account(for: .pay)
        guard let order = try await OrderRecord.find(orderID, on: context.database), order.accountID == account.id
        else { return nil }
        return OrderToPay(
            id: order.id!, number: order.number, total: order.money(\.total),
            methodID: UUID(uuidString: order.paymentMethod), status: order.status)
    }

    func value(_ record: PaymentRecord) -> Payment { Payment(record, fallback: context.provider.defaultCurrency) }

    /// Staff's payment list: filters by status, method kind and client search (number, e-mail, name).
    public func staffList(status: PaymentStatus?, channel: PaymentChannel?, search: String, page: PageRequest) async throws -> Page<Payment>
    {
        var query = PaymentRecord.query(on: context.database)
        if let status { query = query.filter(\.$status == status) }
        if let channel { query = query.filter(\.$channel == channel) }
        let term = search.trimmingCharacters(in: .whitespaces)
        if !term.isEmpty {
            if let number = Int(term.trimmingCharacters(in: CharacterSet(charactersIn: "#"))) {
                query = query.filter(\.$number == number)
            } else {
                let users = try await UserRecord.query(on: context.database).group(.or) {
                    $0.filter(\.$email ~~ term.lowercased()).filter(\.$name ~~ term)
                }.all()
                query = query.filter(\.$accountID ~~ Set(users.map(\.accountID)))
            }
        }
        let total = try await query.copy().count()
        let page = page.within(total: total)
        let items = try await query.sort(\.$createdAt, .descending).offset(page.offset).limit(page.size).all()
        return Page(items: items, total: total, request: page).map(value)
    }
}

/// Links that let anyone pay one invoice without logging in (FIN-4): the payment id and an
/// expiry, signed with the installation's key. The link shows that invoice and nothing else.
public enum PayLink {
    public static let lifetime: TimeInterval = 30 * 24 * 3600

    public static func token(paymentID: UUID, expires: Date, key: String) -> String {
        let body = "\(paymentID.uuidString.lowercased()).\(Int(expires.timeIntervalSince1970))"
        return body + "." + SecretToken.sign("paylink:" + body, key: key)
    }

    /// The payment a token opens, or `nil` when it was not signed here or has expired.
    public static func paymentID(from token: String, key: String, now: Date) -> UUID? {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let id = UUID(uuidString: String(parts[0])), let expiry = TimeInterval(String(parts[1])),
            ConstantTime.equals(String(parts[2]), SecretToken.sign("paylink:\(parts[0]).\(parts[1])", key: key)),
            now.timeIntervalSince1970 <= expiry
        else { return nil }
        return id
    }
}

extension PaymentError: Refusal {
    public var code: String {
        switch self {
        case .paymentNotFound, .savedMethodNotFound: "not_found"
        case .gatewayFailed: "gateway_failed"
        case .methodUnavailable: "method_unavailable"
        case .terms(let refusal): refusal.code
        case .payerKindNotAllowed: "payer_kind_not_allowed"
        case .payerNameMissing, .payerNameInvalid: "payer_invalid"
        case .notPayable: "not_payable"
        case .notDeletable: "not_deletable"
        case .orderMethodFixed: "order_method_fixed"
        case .refundTooLarge: "refund_too_large"
        case .refundReasonMissing: "reason_missing"
        case .notRefundable: "not_refundable"
        case .notBankTransfer: "not_bank_transfer"
        case .receivedAmountInvalid: "received_amount_invalid"
        case .receivedOnInvalid: "received_on_invalid"
        case .bankReferenceInvalid: "bank_reference_invalid"
        case .setupUnsupported: "setup_unsupported"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .paymentNotFound, .savedMethodNotFound: .notFound
        case .gatewayFailed: .badGateway
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .methodUnavailable: "error.payment.method_unavailable"
        case .terms(let refusal): refusal.textKey
        case .payerKindNotAllowed: "error.payment.payer_kind"
        case .payerNameMissing: "error.payment.payer_name"
        case .payerNameInvalid: "error.payment.payer_name_invalid"
        case .paymentNotFound, .savedMethodNotFound: "error.not_found"
        case .notPayable: "error.payment.not_payable"
        case .notDeletable: "error.payment.not_deletable"
        case .orderMethodFixed: "error.payment.method_fixed"
        case .gatewayFailed: "error.payment.gateway"
        case .refundTooLarge: "error.refund.too_large"
        case .refundReasonMissing: "error.refund.reason"
        case .notRefundable: "error.refund.not_refundable"
        case .notBankTransfer: "error.payment.not_bank_transfer"
        case .receivedAmountInvalid: "error.payment.received_amount"
        case .receivedOnInvalid: "error.payment.received_on"
        case .bankReferenceInvalid: "error.payment.bank_reference"
        case .setupUnsupported: "error.payment.setup_unsupported"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .terms(let refusal): refusal.textArguments
        case .refundTooLarge(let remaining): ["amount": .money(remaining)]
        default: [:]
        }
    }
}
