import BillingAPI
import BillingDomain
import BillingEngine
import BillingStore
import Fluent
import Foundation
import Vapor

/// The payments part of `openapi.yaml` (issue 4, API-1): methods and quotes, payments (invoices)
/// with checkout and pay links, saved methods, auto-renewal and autopayment. Each operation is
/// the same use case the client area calls; refusals carry the client area's texts.
extension BillingAPIHandlers {
    // MARK: payment methods

    func listPaymentMethods(_ input: Operations.ListPaymentMethods.Input) async throws -> Operations.ListPaymentMethods.Output {
        let req = try request
        let account = try bearer.account
        let amount = try input.query.amount.map { try Self.money($0, account: account, req: req) }
        let methods = try await PaymentMethods(context: req.engine).available(for: account, topUp: true)
        var items: [Components.Schemas.PaymentMethod] = []
        for method in methods {
            var item = Self.paymentMethod(method, req: req)
            if let amount {
                do {
                    item.quote = Self.quote(try method.terms.amounts(for: amount))
                } catch {
                    let refusal = PaymentError.terms(error)
                    item.refusal = .init(code: Self.code(for: refusal).0, message: Messages.payment(refusal, PageContext(req)))
                }
            }
            items.append(item)
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    // MARK: payments

    func listPayments(_ input: Operations.ListPayments.Input) async throws -> Operations.ListPayments.Output {
        let req = try request
        let account = try bearer.account
        let filter = input.query.filter.flatMap { PaymentFlow.Filter(rawValue: $0.rawValue) } ?? .unpaid
        let page = try APIPaging.page(input.query.page, input.query.perPage, req)
        let payments = try await PaymentFlow(context: req.engine).list(account: account, filter: filter, page: page)
        let names = try await Self.methodNames(req)
        let payersByID = try await PaymentFlow(context: req.engine).payers(of: payments.items)
        let items = payments.items.map { payment in
            Self.payment(
                payment, methodName: payment.methodID.flatMap { names[$0] }, payer: payment.payerID.flatMap { payersByID[$0] },
                req: req)
        }
        return .ok(.init(body: .json(.init(items: items, page: page.number, perPage: page.size, total: payments.total))))
    }

    func createPayment(_ input: Operations.CreatePayment.Input) async throws -> Operations.CreatePayment.Output {
        let req = try request
        let bearer = try bearer
        guard case .json(let body) = input.body else { throw Self.badRequest(req) }
        guard let methodID = UUID(uuidString: body.methodId) else { throw Self.failure(PaymentError.methodUnavailable, req: req) }
        let orderID = try body.orderId.map { value -> UUID in
            guard let id = UUID(uuidString: value) else { throw APIFailure.notFound }
            return id
        }
        let payer: PayerChoice
        if let payerID = body.payerId {
            guard let id = UUID(uuidString: payerID) else { throw Self.failure(PaymentError.payerNameMissing, req: req) }
            payer = .existing(id)
        } else if let new = body.payer {
            payer = .new(kind: PayerKind(rawValue: new.kind.rawValue) ?? .person, name: new.name)
        } else {
            payer = .accountHolder
        }
        // An order pays its frozen total; a top-up needs its amount.
        let amount = orderID == nil ? try Self.money(body.amount ?? "", account: bearer.account, req: req) : nil
        // The payment is keyed by the API user's key too: even after the first answer is
        // forgotten (a day later), the same key finds the same payment.
        let key = "api:\(bearer.user.id!.uuidString.lowercased()):\(input.headers.idempotencyKey)"
        let payment = try await Self.refusing(req) {
            try await PaymentFlow(context: req.engine).create(
                PaymentRequest(
                    methodID: methodID, amount: amount, orderID: orderID, payer: payer, saveMethod: body.saveMethod ?? false,
                    idempotencyKey: key),
                account: bearer.account)
        }
        return .created(.init(body: .json(try await Self.detailed(payment, req: req))))
    }

    func getPayment(_ input: Operations.GetPayment.Input) async throws -> Operations.GetPayment.Output {
        let req = try request
        let payment = try await Self.ownPayment(input.path.paymentId, account: try bearer.account, req: req)
        return .ok(.init(body: .json(try await Self.detailed(payment, req: req))))
    }

    func deletePayment(_ input: Operations.DeletePayment.Input) async throws -> Operations.DeletePayment.Output {
        let req = try request
        let account = try bearer.account
        let payment = try await Self.ownPayment(input.path.paymentId, account: account, req: req)
        try await Self.refusing(req) { try await PaymentFlow(context: req.engine).delete(paymentID: payment.id!, account: account) }
        let reloaded = try await Self.ownPayment(input.path.paymentId, account: account, req: req)
        return .ok(.init(body: .json(try await Self.detailed(reloaded, req: req))))
    }

    func checkoutPayment(_ input: Operations.CheckoutPayment.Input) async throws -> Operations.CheckoutPayment.Output {
        let req = try request
        let account = try bearer.account
        let payment = try await Self.ownPayment(input.path.paymentId, account: account, req: req)
        var returnURL: String?
        var cancelURL: String?
        if case .json(let body) = input.body {
            returnURL = try body.returnUrl.map { try Self.externalURL($0, req: req) }
            cancelURL = try body.cancelUrl.map { try Self.externalURL($0, req: req) }
        }
        let (success, cancel) = PaymentsController.returnURLs(req, paymentID: payment.id!)
        let redirect = try await Self.refusing(req) {
            try await PaymentFlow(context: req.engine).start(
                paymentID: payment.id!, returnURL: returnURL ?? success,
                cancelURL: cancelURL ?? cancel)
        }
        let reloaded = try await Self.ownPayment(input.path.paymentId, account: account, req: req)
        return .ok(.init(body: .json(.init(redirectUrl: redirect, payment: try await Self.detailed(reloaded, req: req)))))
    }

    // MARK: saved methods

    func listSavedMethods(_ input: Operations.ListSavedMethods.Input) async throws -> Operations.ListSavedMethods.Output {
        let req = try request
        let saved = try await SavedMethods(context: req.engine).list(account: try bearer.account)
        return .ok(.init(body: .json(.init(items: saved.map(Self.savedMethod)))))
    }

    func createSavedMethod(_ input: Operations.CreateSavedMethod.Input) async throws -> Operations.CreateSavedMethod.Output {
        let req = try request
        let account = try bearer.account
        guard case .json(let body) = input.body else { throw Self.badRequest(req) }
        guard let methodID = UUID(uuidString: body.methodId) else { throw Self.failure(PaymentError.methodUnavailable, req: req) }
        let returnURL = try body.returnUrl.map { try Self.externalURL($0, req: req) }
        let base = req.engine.provider.baseURL + "/finance/methods/"
        let started = try await Self.refusing(req) {
            try await SavedMethods(context: req.engine).startSetup(
                methodID: methodID, account: account,
                returnURL: { returnURL ?? base + $0.uuidString.lowercased() + "/done" },
                cancelURL: { returnURL ?? base + $0.uuidString.lowercased() + "/done" })
        }
        return .created(.init(body: .json(.init(savedMethod: Self.savedMethod(started.savedMethod), setupUrl: started.url))))
    }

    func renameSavedMethod(_ input: Operations.RenameSavedMethod.Input) async throws -> Operations.RenameSavedMethod.Output {
        let req = try request
        let account = try bearer.account
        guard let id = UUID(uuidString: input.path.savedMethodId) else { throw APIFailure.notFound }
        guard case .json(let body) = input.body else { throw Self.badRequest(req) }
        do {
            try await Self.refusing(req) { try await SavedMethods(context: req.engine).rename(id, to: body.name, account: account) }
        } catch SavedMethods.Problem.nameMissing {
            throw APIFailure.refused(
                .unprocessableEntity, code: "name_missing", message: req.texts.text("error.payment.method_name", req.language))
        }
        guard let saved = try await SavedMethods(context: req.engine).find(id, account: account) else { throw APIFailure.notFound }
        return .ok(.init(body: .json(Self.savedMethod(saved))))
    }

    func deleteSavedMethod(_ input: Operations.DeleteSavedMethod.Input) async throws -> Operations.DeleteSavedMethod.Output {
        let req = try request
        let bearer = try bearer
        guard let id = UUID(uuidString: input.path.savedMethodId) else { throw APIFailure.notFound }
        let services = try await Self.refusing(req) {
            try await SavedMethods(context: req.engine).delete(id, account: bearer.account, actor: Self.actor(bearer))
        }
        return .ok(.init(body: .json(.init(servicesTurnedOff: services.map(Self.serviceRef)))))
    }

    // MARK: auto-renewal and autopayment

    func listAutorenewal(_ input: Operations.ListAutorenewal.Input) async throws -> Operations.ListAutorenewal.Output {
        let req = try request
        let services = try await SavedMethods(context: req.engine).renewals(account: try bearer.account)
        return .ok(.init(body: .json(.init(items: services.map(Self.renewal)))))
    }

    func setAutorenewal(_ input: Operations.SetAutorenewal.Input) async throws -> Operations.SetAutorenewal.Output {
        let req = try request
        let bearer = try bearer
        guard let serviceID = UUID(uuidString: input.path.serviceId) else { throw APIFailure.notFound }
        guard case .json(let body) = input.body else { throw Self.badRequest(req) }
        let savedID = try body.savedMethodId.map { value -> UUID in
            guard let id = UUID(uuidString: value) else { throw Self.failure(PaymentError.savedMethodNotFound, req: req) }
            return id
        }
        do {
            try await Self.refusing(req) {
                try await SavedMethods(context: req.engine).setRenewal(
                    serviceID: serviceID, savedMethodID: savedID, autoRenew: body.autoRenew,
                    account: bearer.account, actor: Self.actor(bearer))
            }
        } catch OrderError.itemNotFound {
            throw APIFailure.notFound
        }
        guard let service = try await ServiceRecord.find(serviceID, on: req.db) else { throw APIFailure.notFound }
        return .ok(.init(body: .json(Self.renewal(service))))
    }

    func getAutopay(_ input: Operations.GetAutopay.Input) async throws -> Operations.GetAutopay.Output {
        let req = try request
        return .ok(.init(body: .json(try await Self.autopay(account: try bearer.account, req: req))))
    }

    func setAutopay(_ input: Operations.SetAutopay.Input) async throws -> Operations.SetAutopay.Output {
        let req = try request
        let account = try bearer.account
        guard case .json(let body) = input.body else { throw Self.badRequest(req) }
        let maximum = try Self.money(body.monthlyMaximum, account: account, req: req)
        guard let savedID = UUID(uuidString: body.savedMethodId) else {
            throw APIFailure.refused(
                .unprocessableEntity, code: "method_not_usable", message: req.texts.text("error.autopay.method", req.language))
        }
        do {
            try await Autopayments(context: req.engine).save(
                account: account, savedMethodID: savedID, monthlyMaximum: maximum, enabled: body.enabled)
        } catch Autopayments.Problem.maximumNotPositive {
            throw APIFailure.refused(
                .unprocessableEntity, code: "amount_invalid", message: req.texts.text("error.autopay.maximum", req.language))
        } catch Autopayments.Problem.methodNotUsable {
            throw APIFailure.refused(
                .unprocessableEntity, code: "method_not_usable", message: req.texts.text("error.autopay.method", req.language))
        }
        return .ok(.init(body: .json(try await Self.autopay(account: account, req: req))))
    }
}

// MARK: - parsing, refusals and shapes

extension BillingAPIHandlers {
    static func actor(_ bearer: APITokens.Bearer) -> String { "api:\(bearer.user.id!.uuidString.lowercased())" }

    /// An amount as the API writes it: "100.00", a dot, at most the currency's decimals.
    static func money(_ text: String, account: AccountRecord, req: Request) throws -> Money {
        let currency = Currency.named(account.currency) ?? req.engine.provider.defaultCurrency
        do { return try PageContext(req).amount(text, currency, reading: .en) } catch {
            throw APIFailure.refused(.unprocessableEntity, code: "amount_invalid", message: error.message)
        }
    }

    /// A return address given by an API client: http or https, of sane length.
    static func externalURL(_ text: String, req: Request) throws -> String {
        guard text.count <= 2000, let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil
        else {
            throw APIFailure.refused(.badRequest, code: "invalid_url", message: req.texts.text("error.api.return_url", req.language))
        }
        return text
    }

    static func badRequest(_ req: Request) -> APIFailure {
        .refused(.badRequest, code: "invalid_request", message: req.texts.text("error.bad_request", req.language))
    }

    static func ownPayment(_ id: String, account: AccountRecord, req: Request) async throws -> PaymentRecord {
        guard let uuid = UUID(uuidString: id), let payment = try await PaymentFlow(context: req.engine).find(uuid, account: account) else {
            throw APIFailure.notFound
        }
        return payment
    }

    /// Runs a use case, turning its refusals into the API's JSON errors in the request's language.
    static func refusing<T>(_ req: Request, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as PaymentError {
            throw failure(error, req: req)
        } catch let error as OrderError {
            switch error {
            case .orderNotFound, .itemNotFound: throw APIFailure.notFound
            default:
                throw APIFailure.refused(
                    .unprocessableEntity, code: error == .orderNotPending ? "order_not_pending" : "order_refused",
                    message: Messages.order(error, PageContext(req)))
            }
        }
    }

    /// The API's error for a payment refusal: a stable code, the status, the client area's text.
    static func failure(_ error: PaymentError, req: Request) -> APIFailure {
        let (code, status) = code(for: error)
        return .refused(status, code: code, message: Messages.payment(error, PageContext(req)))
    }

    static func code(for error: PaymentError) -> (String, HTTPStatus) {
        switch error {
        case .paymentNotFound, .savedMethodNotFound: ("not_found", .notFound)
        case .gatewayFailed: ("gateway_failed", .badGateway)
        case .methodUnavailable: ("method_unavailable", .unprocessableEntity)
        case .terms(.notPositive), .terms(.notWholeMinorUnits): ("amount_invalid", .unprocessableEntity)
        case .terms(.belowMinimum): ("amount_below_minimum", .unprocessableEntity)
        case .terms(.aboveMaximum): ("amount_above_maximum", .unprocessableEntity)
        case .terms(.wrongCurrency): ("wrong_currency", .unprocessableEntity)
        case .payerKindNotAllowed: ("payer_kind_not_allowed", .unprocessableEntity)
        case .payerNameMissing: ("payer_invalid", .unprocessableEntity)
        case .notPayable: ("not_payable", .unprocessableEntity)
        case .notDeletable: ("not_deletable", .unprocessableEntity)
        case .orderMethodFixed: ("order_method_fixed", .unprocessableEntity)
        case .refundTooLarge: ("refund_too_large", .unprocessableEntity)
        case .notRefundable: ("not_refundable", .unprocessableEntity)
        case .notBankTransfer: ("not_bank_transfer", .unprocessableEntity)
        case .setupUnsupported: ("setup_unsupported", .unprocessableEntity)
        }
    }

    static func methodNames(_ req: Request) async throws -> [UUID: String] {
        Dictionary(uniqueKeysWithValues: try await PaymentMethods(context: req.engine).all().map { ($0.id, $0.name) })
    }

    static func paymentMethod(_ method: PaymentMethod, req: Request) -> Components.Schemas.PaymentMethod {
        let terms = method.terms
        return .init(
            id: method.id.uuidString.lowercased(), kind: .init(rawValue: method.kind.rawValue) ?? .bankTransfer, name: method.name,
            description: method.description(in: req.language), currency: method.currency.code,
            commissionPercent: terms.commissionPercent.description, commissionFixed: amount(terms.commissionFixed),
            minimum: terms.minimum.map(amount), maximum: terms.maximum.map(amount),
            cashbackPercent: terms.cashbackPercent.description,
            payerKinds: PayerKind.allCases.filter(method.payerKinds.contains).compactMap { .init(rawValue: $0.rawValue) },
            canSave: method.kind.isGateway && req.engine.gateways.driver(method.kind.rawValue)?.supportsSetup == true)
    }

    static func quote(_ amounts: PaymentAmounts) -> Components.Schemas.Quote {
        .init(
            amount: amount(amounts.amount), commission: amount(amounts.commission), total: amount(amounts.total),
            cashback: amount(amounts.cashback))
    }

    static func payment(
        _ payment: PaymentRecord, methodName: String?, payer: PayerRecord?, req: Request,
        refunds: [RefundRecord]? = nil
    ) -> Components.Schemas.Payment {
        let currency = Currency.named(payment.currency) ?? req.engine.provider.defaultCurrency
        func money(_ units: Int64) -> Components.Schemas.Amount { amount(Money(units: units, currency: currency)) }
        let payerShape = payer.map {
            Components.Schemas.Payer(
                id: $0.id!.uuidString.lowercased(), kind: .init(rawValue: $0.kind) ?? .person,
                name: $0.name)
        }
        let refundShapes = refunds?.map { refund in
            Components.Schemas.Refund(
                id: refund.id!.uuidString.lowercased(), amount: money(refund.amount), reason: refund.reason,
                createdAt: refund.createdAt)
        }
        return .init(
            id: payment.id!.uuidString.lowercased(), number: payment.number, status: .init(rawValue: payment.status) ?? .new,
            purpose: .init(rawValue: payment.purpose) ?? .topup, methodId: payment.methodID?.uuidString.lowercased(),
            methodKind: .init(rawValue: payment.methodKind) ?? .balance, methodName: methodName,
            orderId: payment.orderID?.uuidString.lowercased(), payer: payerShape,
            amount: money(payment.amount), commission: money(payment.commission), total: money(payment.total),
            cashback: money(payment.cashback), refunded: money(payment.refunded), createdAt: payment.createdAt,
            creditedAt: payment.creditedAt, payLink: PaymentsController.payLink(req, payment: payment), refunds: refundShapes)
    }

    /// One payment with its method name, payer and refunds.
    static func detailed(_ record: PaymentRecord, req: Request) async throws -> Components.Schemas.Payment {
        let flow = PaymentFlow(context: req.engine)
        let (method, payer) = try await flow.details(of: record)
        return payment(record, methodName: method?.name, payer: payer, req: req, refunds: try await flow.refunds(of: record.id!))
    }

    static func savedMethod(_ saved: SavedMethodRecord) -> Components.Schemas.SavedMethod {
        .init(
            id: saved.id!.uuidString.lowercased(), name: saved.name, label: saved.label, methodId: saved.methodID.uuidString.lowercased(),
            gateway: saved.gateway, status: .init(rawValue: saved.status) ?? .notWorking, lastError: saved.lastError,
            createdAt: saved.createdAt)
    }

    static func serviceRef(_ service: ServiceRecord) -> Components.Schemas.ServiceRef {
        .init(
            id: service.id!.uuidString.lowercased(), number: service.number,
            name: service.domainName.isEmpty ? service.planName : "\(service.planName) · \(service.domainName)")
    }

    static func renewal(_ service: ServiceRecord) -> Components.Schemas.Renewal {
        let currency = Currency.named(service.currency) ?? .EUR
        return .init(
            service: serviceRef(service), status: service.status, expiresOn: service.expiresOn,
            price: amount(Money(units: service.recurringAmount, currency: currency)), autoRenew: service.autoRenew,
            savedMethodId: service.savedMethodID?.uuidString.lowercased())
    }

    static func autopay(account: AccountRecord, req: Request) async throws -> Components.Schemas.Autopay {
        let overview = try await Autopayments(context: req.engine).overview(account: account)
        let setting = overview.setting
        return .init(
            enabled: setting?.enabled ?? false, savedMethodId: setting?.savedMethodID.uuidString.lowercased(),
            monthlyMaximum: setting.map { amount(Money(units: $0.monthlyMaximum, currency: overview.forecast.currency)) },
            forecast: amount(overview.forecast), recommendedMaximum: amount(overview.recommendedMaximum),
            takenThisMonth: amount(overview.takenThisMonth))
    }
}
