import BillingAPI
import BillingDomain
import BillingEngine
import Foundation
import Payments
import Vapor

/// The payments part of `openapi.yaml` (issue 4, API-1): methods and quotes, payments (invoices)
/// with checkout and pay links, saved methods, auto-renewal and autopayment. Each operation is
/// the same use case the client area calls; refusals carry the client area's texts.
extension BillingAPIHandlers {
    // MARK: payment methods

    func listPaymentMethods(_ input: Operations.ListPaymentMethods.Input) async throws -> Operations.ListPaymentMethods.Output {
        let req = try request
        let account = try bearer.account
        let amount = try input.query.amount.map { try Self.money($0, bearer: bearer, req: req) }
        let methods = try await PaymentMethods(context: req.engine).available(for: account, topUp: true)
        var items: [Components.Schemas.PaymentMethod] = []
        for method in methods {
            var item = Self.paymentMethod(method, req: req)
            if let amount {
                do {
                    item.quote = Self.quote(try method.terms.amounts(for: amount))
                } catch {
                    item.refusal = .init(code: error.code, message: PageContext(req).message(error))
                }
            }
            items.append(item)
        }
        return .ok(.init(body: .json(.init(items: items))))
    }

    // MARK: payments

    func listPayments(_ input: Operations.ListPayments.Input) async throws -> Operations.ListPayments.Output {
        let req = try request
        let filter = input.query.filter.flatMap { PaymentFlow.Filter(rawValue: $0.rawValue) } ?? .unpaid
        let page = try APIPaging.page(input.query.page, input.query.perPage, req)
        let payments = try await PaymentFlow(context: req.engine).list(caller: try bearer.caller, filter: filter, page: page)
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
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        guard let methodID = UUID(uuidString: body.methodId) else { throw PaymentError.methodUnavailable }
        let orderID = try body.orderId.map { value -> UUID in
            guard let id = UUID(uuidString: value) else { throw PageError.notFound }
            return id
        }
        let payer: PayerChoice
        if let payerID = body.payerId {
            guard let id = UUID(uuidString: payerID) else { throw PaymentError.payerNameMissing }
            payer = .existing(id)
        } else if let new = body.payer {
            payer = .new(kind: PayerKind(rawValue: new.kind.rawValue) ?? .person, name: new.name)
        } else {
            payer = .accountHolder
        }
        // An order pays its frozen total; a top-up needs its amount.
        let amount = orderID == nil ? try Self.money(body.amount ?? "", bearer: bearer, req: req) : nil
        // The payment is keyed by the API user's key too: even after the first answer is
        // forgotten (a day later), the same key finds the same payment.
        let key = "\(bearer.caller.initiator.stored):\(input.headers.idempotencyKey)"
        let payment = try await PaymentFlow(context: req.engine).create(
            PaymentRequest(
                methodID: methodID, amount: amount, orderID: orderID, payer: payer, saveMethod: body.saveMethod ?? false,
                idempotencyKey: key),
            caller: bearer.caller)
        return .created(.init(body: .json(try await Self.detailed(payment, req: req))))
    }

    func getPayment(_ input: Operations.GetPayment.Input) async throws -> Operations.GetPayment.Output {
        let req = try request
        let payment = try await Self.ownPayment(input.path.paymentId, bearer: try bearer, req: req)
        return .ok(.init(body: .json(try await Self.detailed(payment, req: req))))
    }

    func deletePayment(_ input: Operations.DeletePayment.Input) async throws -> Operations.DeletePayment.Output {
        let req = try request
        let payment = try await Self.ownPayment(input.path.paymentId, bearer: try bearer, req: req)
        try await PaymentFlow(context: req.engine).delete(paymentID: payment.id, caller: try bearer.caller)
        let reloaded = try await Self.ownPayment(input.path.paymentId, bearer: try bearer, req: req)
        return .ok(.init(body: .json(try await Self.detailed(reloaded, req: req))))
    }

    func checkoutPayment(_ input: Operations.CheckoutPayment.Input) async throws -> Operations.CheckoutPayment.Output {
        let req = try request
        let payment = try await Self.ownPayment(input.path.paymentId, bearer: try bearer, req: req)
        var returnURL: String?
        var cancelURL: String?
        if case .json(let body) = input.body {
            returnURL = try body.returnUrl.map { try Self.externalURL($0, req: req) }
            cancelURL = try body.cancelUrl.map { try Self.externalURL($0, req: req) }
        }
        let (success, cancel) = PaymentsController.returnURLs(req, paymentID: payment.id)
        let redirect = try await PaymentFlow(context: req.engine).start(
            paymentID: payment.id, returnURL: returnURL ?? success,
            cancelURL: cancelURL ?? cancel)
        let reloaded = try await Self.ownPayment(input.path.paymentId, bearer: try bearer, req: req)
        return .ok(.init(body: .json(.init(redirectUrl: redirect, payment: try await Self.detailed(reloaded, req: req)))))
    }

    // MARK: saved methods

    func listSavedMethods(_ input: Operations.ListSavedMethods.Input) async throws -> Operations.ListSavedMethods.Output {
        let req = try request
        let saved = try await SavedMethods(context: req.engine).list(caller: try bearer.caller)
        return .ok(.init(body: .json(.init(items: saved.map(Self.savedMethod)))))
    }

    func createSavedMethod(_ input: Operations.CreateSavedMethod.Input) async throws -> Operations.CreateSavedMethod.Output {
        let req = try request
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        guard let methodID = UUID(uuidString: body.methodId) else { throw PaymentError.methodUnavailable }
        let returnURL = try body.returnUrl.map { try Self.externalURL($0, req: req) }
        let base = req.engine.provider.baseURL
        let started = try await SavedMethods(context: req.engine).startSetup(
            methodID: methodID, caller: try bearer.caller,
            returnURL: { returnURL ?? base + SiteURL.savedMethodDone(.value($0)).path },
            cancelURL: { returnURL ?? base + SiteURL.savedMethodDone(.value($0)).path })
        return .created(.init(body: .json(.init(savedMethod: Self.savedMethod(started.savedMethod), setupUrl: started.url))))
    }

    func renameSavedMethod(_ input: Operations.RenameSavedMethod.Input) async throws -> Operations.RenameSavedMethod.Output {
        let req = try request
        guard let id = UUID(uuidString: input.path.savedMethodId) else { throw PageError.notFound }
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        try await SavedMethods(context: req.engine).rename(id, to: body.name, caller: try bearer.caller)
        guard let saved = try await SavedMethods(context: req.engine).find(id, caller: try bearer.caller) else { throw PageError.notFound }
        return .ok(.init(body: .json(Self.savedMethod(saved))))
    }

    func deleteSavedMethod(_ input: Operations.DeleteSavedMethod.Input) async throws -> Operations.DeleteSavedMethod.Output {
        let req = try request
        let bearer = try bearer
        guard let id = UUID(uuidString: input.path.savedMethodId) else { throw PageError.notFound }
        let services = try await SavedMethods(context: req.engine).delete(id, caller: bearer.caller)
        return .ok(.init(body: .json(.init(servicesTurnedOff: services.map(Self.serviceRef)))))
    }

    // MARK: auto-renewal and autopayment

    func listAutorenewal(_ input: Operations.ListAutorenewal.Input) async throws -> Operations.ListAutorenewal.Output {
        let req = try request
        let services = try await SavedMethods(context: req.engine).renewals(caller: try bearer.caller)
        return .ok(.init(body: .json(.init(items: services.map(Self.renewal)))))
    }

    func setAutorenewal(_ input: Operations.SetAutorenewal.Input) async throws -> Operations.SetAutorenewal.Output {
        let req = try request
        let bearer = try bearer
        guard let serviceID = UUID(uuidString: input.path.serviceId) else { throw PageError.notFound }
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let savedID = try body.savedMethodId.map { value -> UUID in
            guard let id = UUID(uuidString: value) else { throw PaymentError.savedMethodNotFound }
            return id
        }
        do {
            try await SavedMethods(context: req.engine).setRenewal(
                serviceID: serviceID, savedMethodID: savedID, autoRenew: body.autoRenew,
                caller: bearer.caller)
        } catch OrderError.itemNotFound {
            throw PageError.notFound
        }
        guard let service = try await SavedMethods(context: req.engine).renewal(serviceID: serviceID, caller: bearer.caller) else {
            throw PageError.notFound
        }
        return .ok(.init(body: .json(Self.renewal(service))))
    }

    func getAutopay(_ input: Operations.GetAutopay.Input) async throws -> Operations.GetAutopay.Output {
        let req = try request
        return .ok(.init(body: .json(try await Self.autopay(try bearer, req: req))))
    }

    func setAutopay(_ input: Operations.SetAutopay.Input) async throws -> Operations.SetAutopay.Output {
        let req = try request
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let maximum = try Self.money(body.monthlyMaximum, bearer: try bearer, req: req)
        guard let savedID = UUID(uuidString: body.savedMethodId) else {
            throw AutopayError.methodNotUsable
        }
        try await Autopayments(context: req.engine).save(
            caller: try bearer.caller, savedMethodID: savedID, monthlyMaximum: maximum, enabled: body.enabled)
        return .ok(.init(body: .json(try await Self.autopay(try bearer, req: req))))
    }
}

// MARK: - parsing, refusals and shapes

extension BillingAPIHandlers {
    /// An amount as the API writes it: "100.00", a dot, at most the currency's decimals.
    static func money(_ text: String, bearer: APITokens.Bearer, req: Request) throws -> Money {
        try PageContext(req).amount(text, bearer.currency, reading: .en)
    }

    /// A return address given by an API client: http or https, of sane length, on this
    /// installation or on an origin staff allowed (`BILLING_API_RETURN_ORIGINS`); the gateway's
    /// and the sandbox's pages send the payer there, so a stranger's address would make our
    /// origin an open redirect.
    static func externalURL(_ text: String, req: Request) throws -> String {
        let config = req.billing.config
        // Not an address at all is a malformed request; an address elsewhere is understood and
        // refused (the spec describes the first, the configuration decides the second).
        guard text.count <= 2000, let origin = AppConfig.origin(of: text) else {
            throw PlainRefusal("invalid_url", status: .badRequest, key: "error.api.return_url")
        }
        guard origin == AppConfig.origin(of: config.baseURL) || config.apiReturnOrigins.contains(origin) else {
            throw PlainRefusal("return_url_not_allowed", status: .unprocessable, key: "error.api.return_url")
        }
        return text
    }

    static func ownPayment(_ id: String, bearer: APITokens.Bearer, req: Request) async throws -> Payment {
        guard let uuid = UUID(uuidString: id), let payment = try await PaymentFlow(context: req.engine).find(uuid, caller: bearer.caller)
        else {
            throw PageError.notFound
        }
        return payment
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
        _ payment: Payment, methodName: String?, payer: Payer?, req: Request,
        refunds: [Refund]? = nil
    ) -> Components.Schemas.Payment {
        let payerShape = payer.map {
            Components.Schemas.Payer(id: $0.id.uuidString.lowercased(), kind: .init(rawValue: $0.kind.rawValue) ?? .person, name: $0.name)
        }
        let refundShapes = refunds?.map { refund in
            Components.Schemas.Refund(
                id: refund.id.uuidString.lowercased(), amount: amount(refund.amount), reason: refund.reason,
                createdAt: refund.createdAt)
        }
        return .init(
            id: payment.id.uuidString.lowercased(), number: payment.number, status: .init(rawValue: payment.status.rawValue) ?? .new,
            purpose: .init(rawValue: payment.purpose.rawValue) ?? .topup, methodId: payment.methodID?.uuidString.lowercased(),
            methodKind: .init(rawValue: payment.channel.rawValue) ?? .balance, methodName: methodName,
            orderId: payment.orderID?.uuidString.lowercased(), payer: payerShape,
            amount: amount(payment.amount), commission: amount(payment.commission), total: amount(payment.total),
            cashback: amount(payment.cashback), refunded: amount(payment.refunded), createdAt: payment.createdAt,
            creditedAt: payment.creditedAt, payLink: PaymentsController.payLink(req, payment: payment), refunds: refundShapes)
    }

    /// One payment with its method name, payer and refunds.
    static func detailed(_ record: Payment, req: Request) async throws -> Components.Schemas.Payment {
        let flow = PaymentFlow(context: req.engine)
        let (method, payer) = try await flow.details(of: record)
        return payment(record, methodName: method?.name, payer: payer, req: req, refunds: try await flow.refunds(of: record))
    }

    static func savedMethod(_ saved: SavedMethod) -> Components.Schemas.SavedMethod {
        .init(
            id: saved.id.uuidString.lowercased(), name: saved.name, label: saved.label, methodId: saved.methodID.uuidString.lowercased(),
            gateway: saved.gateway, status: .init(rawValue: saved.status.rawValue) ?? .notWorking, lastError: saved.lastError,
            createdAt: saved.createdAt)
    }

    static func serviceRef(_ service: Service) -> Components.Schemas.ServiceRef {
        .init(
            id: service.id.uuidString.lowercased(), number: service.number,
            name: service.domainName.isEmpty ? service.planName.english : "\(service.planName.english) · \(service.domainName)")
    }

    static func renewal(_ service: Service) -> Components.Schemas.Renewal {
        .init(
            service: serviceRef(service), status: service.status.rawValue, expiresOn: service.expiresOn.description,
            price: amount(service.recurringAmount), autoRenew: service.autoRenew,
            savedMethodId: service.savedMethodID?.uuidString.lowercased())
    }

    static func autopay(_ bearer: APITokens.Bearer, req: Request) async throws -> Components.Schemas.Autopay {
        let overview = try await Autopayments(context: req.engine).overview(caller: bearer.caller)
        let setting = overview.setting
        return .init(
            enabled: setting?.enabled ?? false, savedMethodId: setting?.savedMethodID.uuidString.lowercased(),
            monthlyMaximum: setting.map { amount($0.monthlyMaximum) },
            forecast: amount(overview.forecast), recommendedMaximum: amount(overview.recommendedMaximum),
            takenThisMonth: amount(overview.takenThisMonth))
    }
}
