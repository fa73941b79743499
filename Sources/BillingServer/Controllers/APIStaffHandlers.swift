import BillingAPI
import BillingDomain
import BillingEngine
import Foundation
import Vapor

/// The staff part of `openapi.yaml` (API-1): staff tokens, the payment list, confirming bank
/// transfers and refunds. The rights table (`APIAccess`) checks the member's role, as for `/admin`.
extension BillingAPIHandlers {
    /// The member of staff behind the request's staff token. Whether the role may use the
    /// operation is the rights table's decision (`APIAccess`), taken before the handler runs.
    func staffBearer() throws -> APITokens.StaffBearer {
        guard let staff = APIRequestContext.staffBearer else { throw PlainRefusal.unauthorized }
        return staff
    }

    func createStaffToken(_ input: Operations.CreateStaffToken.Input) async throws -> Operations.CreateStaffToken.Output {
        let req = try request
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        return .created(
            .init(
                body: .json(
                    try await Self.issued(req) {
                        try await APITokens(context: req.engine).issueStaff(
                            email: body.email, password: body.password, code: body.code, name: body.name, ip: req.clientIP)
                    })))
    }

    func listStaffPayments(_ input: Operations.ListStaffPayments.Input) async throws -> Operations.ListStaffPayments.Output {
        let req = try request
        let page = try APIPaging.page(input.query.page, nil, req)
        let payments = try await PaymentFlow(context: req.engine).staffList(
            status: input.query.status.flatMap { PaymentStatus(rawValue: $0.rawValue) },
            channel: input.query.method.flatMap { PaymentChannel(rawValue: $0.rawValue) },
            search: input.query.q ?? "", page: page)
        let names = try await Self.methodNames(req)
        let clients = try await PaymentFlow(context: req.engine).clients(of: payments.items)
        let payersByID = try await PaymentFlow(context: req.engine).payers(of: payments.items)
        let items = payments.items.map { payment in
            Components.Schemas.StaffPayment(
                payment: Self.payment(
                    payment, methodName: payment.methodID.flatMap { names[$0] },
                    payer: payment.payerID.flatMap { payersByID[$0] }, req: req),
                client: Self.client(clients[payment.accountID], id: payment.accountID))
        }
        return .ok(.init(body: .json(.init(items: items, page: page.number, perPage: page.size, total: payments.total))))
    }

    func getStaffPayment(_ input: Operations.GetStaffPayment.Input) async throws -> Operations.GetStaffPayment.Output {
        let req = try request
        return .ok(.init(body: .json(try await Self.staffPayment(try await Self.anyPayment(input.path.paymentId, req: req), req: req))))
    }

    func confirmStaffPayment(_ input: Operations.ConfirmStaffPayment.Input) async throws -> Operations.ConfirmStaffPayment.Output {
        let req = try request
        let staff = try staffBearer()
        let payment = try await Self.anyPayment(input.path.paymentId, req: req)
        var receipt = PaymentFlow.BankReceipt()
        if case .json(let body) = input.body {
            receipt.amount = try body.amount.map { try PageContext(req).amount($0, payment.currency, reading: .en) }
            if let day = body.receivedOn {
                guard let date = LocalDate(iso: day) else { throw PaymentError.receivedOnInvalid }
                receipt.receivedOn = date
            }
            receipt.reference = body.reference
        }
        try await PaymentFlow(context: req.engine).confirmBankTransfer(paymentID: payment.id, receipt: receipt, caller: staff.caller)
        return .ok(.init(body: .json(try await Self.staffPayment(try await Self.anyPayment(input.path.paymentId, req: req), req: req))))
    }

    func refundStaffPayment(_ input: Operations.RefundStaffPayment.Input) async throws -> Operations.RefundStaffPayment.Output {
        let req = try request
        let staff = try staffBearer()
        let payment = try await Self.anyPayment(input.path.paymentId, req: req)
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let currency = payment.currency
        let amount = try PageContext(req).amount(body.amount, currency, reading: .en)
        // The refund is keyed by the member's key too: a repeat after the first answer is
        // forgotten still refunds once.
        let key = "api:\(staff.staffID.uuidString.lowercased()):\(input.headers.idempotencyKey)"
        try await PaymentFlow(context: req.engine).refund(
            paymentID: payment.id, amount: amount, reason: body.reason, caller: staff.caller,
            key: key)
        return .created(
            .init(body: .json(try await Self.staffPayment(try await Self.anyPayment(input.path.paymentId, req: req), req: req))))
    }
}

extension BillingAPIHandlers {
    static func anyPayment(_ id: String, req: Request) async throws -> Payment {
        guard let uuid = UUID(uuidString: id), let payment = try await PaymentFlow(context: req.engine).payment(uuid) else {
            throw PageError.notFound
        }
        return payment
    }

    static func client(_ client: PaymentClient?, id: UUID) -> Components.Schemas.StaffPayment.ClientPayload {
        .init(
            accountId: id.uuidString.lowercased(), clientCode: client?.clientCode ?? 0, name: client?.accountName ?? "",
            email: client?.ownerEmail ?? "")
    }

    static func staffPayment(_ payment: Payment, req: Request) async throws -> Components.Schemas.StaffPayment {
        let client = try await PaymentFlow(context: req.engine).clients(of: [payment])[payment.accountID]
        let confirmation = payment.confirmedBy.map {
            Components.Schemas.StaffPayment.ConfirmationPayload(
                confirmedBy: $0.stored, receivedOn: payment.receivedOn?.iso, reference: payment.bankReference)
        }
        return .init(
            payment: try await detailed(payment, req: req), confirmation: confirmation, client: Self.client(client, id: payment.accountID))
    }
}
