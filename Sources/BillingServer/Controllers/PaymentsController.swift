import BillingDomain
import BillingEngine
import Payments
import Vapor

/// The client's payments (FIN-2..4, FIN-7..10): top up through method → payer → confirmation →
/// gateway → result; invoices with filters, details, pay, delete, pay links and printing; saved
/// methods; auto-renewal methods; autopayment.
struct PaymentsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.payments, use: list)
        routes.get(SiteURL.newPayment, use: newPayment)
        routes.post(SiteURL.newPayment, use: submitPayment)
        routes.get(SiteURL.payment(.key), use: detail)
        routes.post(SiteURL.paymentPay(.key), use: pay)
        routes.post(SiteURL.paymentDelete(.key), use: delete)
        routes.get(SiteURL.paymentResult(.key), use: result)
        routes.get(SiteURL.paymentCancelled(.key), use: cancelledPage)
        routes.post(SiteURL.paymentCancelled(.key), use: cancelled)
        routes.get(SiteURL.paymentInvoice(.key), use: invoice)
        routes.get(SiteURL.savedMethods, use: methods)
        routes.post(SiteURL.savedMethods, use: addMethod)
        routes.get(SiteURL.savedMethodDone(.key), use: methodDone)
        routes.post(SiteURL.savedMethodRename(.key), use: renameMethod)
        routes.post(SiteURL.savedMethodDelete(.key), use: deleteMethod)
        routes.get(SiteURL.autorenewal, use: autorenewal)
        routes.post(SiteURL.autorenewal, use: saveAutorenewal)
        routes.get(SiteURL.autopay, use: autopay)
        routes.post(SiteURL.autopay, use: saveAutopay)
    }

    private func ownPayment(_ req: Request) async throws -> Payment {
        guard let id = req.parameters.get("paymentID").flatMap(UUID.init(uuidString:)),
            let payment = try await PaymentFlow(context: req.engine).find(id, caller: try req.client.caller)
        else { throw PageError.notFound }
        return payment
    }

    /// The signed link that lets anyone pay this one invoice without logging in; only while unpaid.
    static func payLink(_ req: Request, payment: Payment) -> String? {
        guard payment.status.isUnpaid else { return nil }
        let expires = req.engine.clock.now.addingTimeInterval(PayLink.lifetime)
        let token = PayLink.token(paymentID: payment.id, expires: expires, key: req.billing.signingKey)
        return req.engine.provider.baseURL + SiteURL.payLink(.value(token)).path
    }

    static func returnURLs(_ req: Request, paymentID: UUID) -> (String, String) {
        let base = req.engine.provider.baseURL
        return (base + SiteURL.paymentResult(.value(paymentID)).path, base + SiteURL.paymentCancelled(.value(paymentID)).path)
    }

    // MARK: invoices

    func list(req: Request) async throws -> Response {
        let filter = req.query[String.self, at: "filter"].flatMap(PaymentFlow.Filter.init(rawValue:)) ?? .unpaid
        let pageNumber = req.query[String.self, at: "page"]
        let payments = try await PaymentFlow(context: req.engine).list(
            caller: try req.client.caller, filter: filter,
            page: PageRequest.web(pageNumber))
        let methods = try await PaymentMethods(context: req.engine).all()
        return PaymentPages.list(
            try await PageContext.client(req), filter: filter, payments: payments,
            methodNames: Dictionary(uniqueKeysWithValues: methods.map { ($0.id, $0.name(in: req.language)) })
        ).response()
    }

    func detail(req: Request) async throws -> Response {
        try await renderDetail(req, payment: try await ownPayment(req), error: nil)
    }

    private func renderDetail(_ req: Request, payment: Payment, error: String?) async throws -> Response {
        let (method, payer) = try await PaymentFlow(context: req.engine).details(of: payment)
        return PaymentPages.detail(
            try await PageContext.client(req), payment: payment, method: method, payer: payer,
            payLink: Self.payLink(req, payment: payment), seller: try await SellerDetails.load(context: req.engine),
            refunds: try await PaymentFlow(context: req.engine).refunds(of: payment), error: error
        ).response(status: error == nil ? .ok : .unprocessableEntity)
    }

    func pay(req: Request) async throws -> Response {
        let payment = try await ownPayment(req)
        let (success, cancel) = Self.returnURLs(req, paymentID: payment.id)
        do {
            guard let url = try await PaymentFlow(context: req.engine).start(paymentID: payment.id, returnURL: success, cancelURL: cancel)
            else {
                return req.redirect(to: SiteURL.paymentInvoice(.value(payment.id)).path)
            }
            return req.redirect(to: url)
        } catch let error as PaymentError {
            let page = try await PageContext.client(req)
            return try await renderDetail(req, payment: payment, error: page.message(error))
        }
    }

    func delete(req: Request) async throws -> Response {
        let payment = try await ownPayment(req)
        do {
            try await PaymentFlow(context: req.engine).delete(paymentID: payment.id, caller: try req.client.caller)
        } catch let error as PaymentError {
            return try await renderDetail(req, payment: payment, error: (try await PageContext.client(req)).message(error))
        }
        return req.redirect(to: SiteURL.payments.notice("payment_deleted"))
    }

    /// Where the gateway sends the payer back. The webhook may still be on its way: the page
    /// then says so and refreshes itself.
    func result(req: Request) async throws -> Response {
        let payment = try await ownPayment(req)
        // A top-up for an order: the page says whether the order got paid, or offers to pay it.
        let order =
            if payment.purpose == .topUp, let id = payment.orderID {
                try await PaymentFlow(context: req.engine).orderToPay(id, caller: try req.client.caller)
            } else { OrderToPay?.none }
        return PaymentPages.result(try await PageContext.client(req), payment: payment, topUpFor: order).response()
    }

    /// Where the gateway sends a payer who gave up. A GET changes nothing (a link preview or a
    /// prefetch must not cancel an invoice): the page offers "Pay" again and "Cancel the invoice".
    func cancelledPage(req: Request) async throws -> Response {
        let payment = try await ownPayment(req)
        return PaymentPages.abandoned(try await PageContext.client(req), payment: payment).response()
    }

    func cancelled(req: Request) async throws -> Response {
        let payment = try await ownPayment(req)
        try await PaymentFlow(context: req.engine).cancel(paymentID: payment.id, reason: "abandoned by the payer")
        return req.redirect(to: SiteURL.payment(.value(payment.id)).notice("payment_abandoned"))
    }

    func invoice(req: Request) async throws -> Response {
        let payment = try await ownPayment(req)
        let (method, payer) = try await PaymentFlow(context: req.engine).details(of: payment)
        return PaymentPages.printable(
            PageContext(req), payment: payment, method: method, payer: payer,
            client: try req.client.userName, clientCode: try req.client.clientCode,
            seller: try await SellerDetails.load(context: req.engine)
        ).response()
    }

    // MARK: the flow

    struct PaymentForm {
        var methodID: UUID?
        var amount: String
        var payerChoice: String
        var payerName: String
        var payerKind: PayerKind
        var saveMethod: Bool
        var orderID: UUID?
        /// The pending order a top-up is for (its "Top up" button): paid once the money is in.
        var forOrderID: UUID?
        var key: String

        init(_ form: [String: String]) {
            methodID = form["method"].flatMap(UUID.init(uuidString:))
            amount = String((form["amount"] ?? "").prefix(30))
            payerChoice = form["payer"] ?? "self"
            payerName = String((form["payer_name"] ?? "").prefix(200))
            payerKind = form["payer_kind"].flatMap(PayerKind.init(rawValue:)) ?? .person
            saveMethod = form["save"] == "on"
            orderID = form["order"].flatMap(UUID.init(uuidString:))
            forOrderID = form["for_order"].flatMap(UUID.init(uuidString:))
            key = form["key"].flatMap { $0.count >= 16 && $0.count <= 64 ? $0 : nil } ?? UUID().uuidString.lowercased()
        }

        var payer: PayerChoice {
            if payerChoice == "new" { return .new(kind: payerKind, name: payerName) }
            if let id = UUID(uuidString: payerChoice) { return .existing(id) }
            return .accountHolder
        }
    }

    func newPayment(req: Request) async throws -> Response {
        var form = PaymentForm([:])
        form.amount = req.query[String.self, at: "amount"] ?? ""
        form.methodID = req.query[String.self, at: "method"].flatMap(UUID.init(uuidString:))
        form.orderID = req.query[String.self, at: "order"].flatMap(UUID.init(uuidString:))
        form.forOrderID = req.query[String.self, at: "for_order"].flatMap(UUID.init(uuidString:))
        return try await renderForm(req, form: form, error: nil)
    }

    private func renderForm(_ req: Request, form: PaymentForm, error: String?) async throws -> Response {
        let account = try req.client.account
        let flow = PaymentFlow(context: req.engine)
        var methods = try await PaymentMethods(context: req.engine).available(for: account, topUp: true)
        var order: OrderToPay?
        if let orderID = form.orderID, let found = try await flow.orderToPay(orderID, caller: try req.client.caller) {
            order = found
            methods = methods.filter { $0.id == found.methodID }
        }
        let payers = try await flow.payers(caller: try req.client.caller)
        var form = form
        var topUpFor: OrderToPay?
        if order == nil, let id = form.forOrderID {
            topUpFor = try await flow.orderToPay(id, caller: try req.client.caller).flatMap { $0.status == .pending ? $0 : nil }
            form.forOrderID = topUpFor?.id
        }
        return PaymentPages.form(
            try await PageContext.client(req), methods: methods, payers: payers, form: form, order: order, topUpFor: topUpFor,
            error: error
        ).response(status: error == nil ? .ok : .unprocessableEntity)
    }

    /// Step two posts `action=confirm` (shows the amounts), step three `action=pay`.
    func submitPayment(req: Request) async throws -> Response {
        let fields = try req.content.decode([String: String].self)
        let form = PaymentForm(fields)
        let page = try await PageContext.client(req)
        guard let methodID = form.methodID else {
            return try await renderForm(req, form: form, error: page.t("error.payment.choose_method"))
        }
        let flow = PaymentFlow(context: req.engine)
        do {
            var amount: Money
            if let orderID = form.orderID {
                guard let order = try await flow.orderToPay(orderID, caller: try req.client.caller) else { throw PageError.notFound }
                guard order.methodID == methodID else { throw PaymentError.orderMethodFixed }
                amount = order.total
            } else {
                let currency = try req.client.currency
                do { amount = try page.amount(form.amount, currency) } catch {
                    return try await renderForm(req, form: form, error: page.message(error))
                }
            }
            let (method, amounts) = try await flow.quote(methodID: methodID, amount: amount, caller: try req.client.caller)
            // A method the chosen payer may not use is refused here, before the confirmation,
            // naming the method and whom it is for.
            if let kind = try await flow.payerKind(form.payer, caller: try req.client.caller), !method.payerKinds.contains(kind) {
                let payers = PaymentPages.payerKindList(page, PayerKind.allCases.filter(method.payerKinds.contains))
                return try await renderForm(
                    req, form: form,
                    error: page.t("error.payment.payer_kind_for", ["method": method.name(in: page.language), "payers": payers]))
            }
            if fields["action"] == "pay" {
                let payment = try await flow.create(
                    PaymentRequest(
                        methodID: methodID, amount: amount, orderID: form.orderID, topUpFor: form.forOrderID, payer: form.payer,
                        saveMethod: form.saveMethod, idempotencyKey: "web:" + form.key),
                    caller: try req.client.caller)
                let (success, cancel) = Self.returnURLs(req, paymentID: payment.id)
                guard let url = try await flow.start(paymentID: payment.id, returnURL: success, cancelURL: cancel) else {
                    return req.redirect(to: SiteURL.payment(.value(payment.id)).notice("invoice_issued"))
                }
                return req.redirect(to: url)
            }
            if form.payerChoice == "new", form.payerName.trimmingCharacters(in: .whitespaces).isEmpty {
                throw PaymentError.payerNameMissing
            }
            let payerTitle: String
            switch form.payer {
            case .accountHolder: payerTitle = try req.client.userName
            case .new(_, let name): payerTitle = name
            case .existing(let id):
                guard let payer = try await flow.payer(id, caller: try req.client.caller) else { throw PaymentError.payerNameMissing }
                payerTitle = payer.name
            }
            return PaymentPages.confirm(page, method: method, amounts: amounts, form: form, payerTitle: payerTitle).response()
        } catch let error as PaymentError {
            return try await renderForm(req, form: form, error: page.message(error))
        } catch let error as OrderError {
            return try await renderForm(req, form: form, error: page.message(error))
        }
    }

    // MARK: saved methods

    func methods(req: Request) async throws -> Response {
        try await renderMethods(req, error: nil)
    }

    private func renderMethods(_ req: Request, error: String?) async throws -> Response {
        let account = try req.client.account
        let saved = try await SavedMethods(context: req.engine).list(caller: try req.client.caller)
        let gateways = try await PaymentMethods(context: req.engine).available(for: account, topUp: true)
            .filter { $0.kind.isGateway && req.engine.gateways.driver($0.kind.rawValue)?.supportsSetup == true }
        return PaymentPages.savedMethods(try await PageContext.client(req), saved: saved, setupMethods: gateways, error: error)
            .response(status: error == nil ? .ok : .unprocessableEntity)
    }

    func addMethod(req: Request) async throws -> Response {
        struct Form: Content { var method: String? }
        guard let methodID = try req.content.decode(Form.self).method.flatMap(UUID.init(uuidString:)) else {
            return try await renderMethods(req, error: try await PageContext.client(req).t("error.payment.choose_method"))
        }
        let base = req.engine.provider.baseURL
        do {
            let started = try await SavedMethods(context: req.engine).startSetup(
                methodID: methodID, caller: try req.client.caller,
                returnURL: { base + SiteURL.savedMethodDone(.value($0)).path },
                cancelURL: { base + SiteURL.savedMethodDone(.value($0)).path })
            return req.redirect(to: started.url)
        } catch let error as PaymentError {
            return try await renderMethods(req, error: (try await PageContext.client(req)).message(error))
        }
    }

    func methodDone(req: Request) async throws -> Response {
        guard let id = req.parameters.get("methodID").flatMap(UUID.init(uuidString:)),
            let saved = try await SavedMethods(context: req.engine).find(id, caller: try req.client.caller)
        else { throw PageError.notFound }
        let notice = saved.status == .enabled ? "method_saved" : "method_not_saved"
        return req.redirect(to: SiteURL.savedMethods.notice(notice))
    }

    func renameMethod(req: Request) async throws -> Response {
        struct Form: Content { var name: String? }
        guard let id = req.parameters.get("methodID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        do {
            try await SavedMethods(context: req.engine).rename(
                id, to: try req.content.decode(Form.self).name ?? "", caller: try req.client.caller)
        } catch PaymentError.savedMethodNotFound {
            throw PageError.notFound
        } catch let error as SavedMethodError {
            return try await renderMethods(req, error: try await PageContext.client(req).message(error))
        }
        return req.redirect(to: SiteURL.savedMethods.notice("method_renamed"))
    }

    func deleteMethod(req: Request) async throws -> Response {
        guard let id = req.parameters.get("methodID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        do {
            try await SavedMethods(context: req.engine).delete(id, caller: try req.client.caller)
        } catch PaymentError.savedMethodNotFound {
            throw PageError.notFound
        }
        return req.redirect(to: SiteURL.savedMethods.notice("method_deleted"))
    }

    // MARK: auto-renewal and autopayment

    func autorenewal(req: Request) async throws -> Response {
        try await renderAutorenewal(req, error: nil)
    }

    private func renderAutorenewal(_ req: Request, error: String?) async throws -> Response {
        let services = try await SavedMethods(context: req.engine).renewals(caller: try req.client.caller)
        let saved = try await SavedMethods(context: req.engine).renewalChoices(caller: try req.client.caller)
        return PaymentPages.autorenewal(try await PageContext.client(req), services: services, saved: saved, error: error)
            .response(status: error == nil ? .ok : .unprocessableEntity)
    }

    func saveAutorenewal(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        guard let serviceID = form["service"].flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        let methodValue = form["method"] ?? "balance"
        let savedID = methodValue == "balance" ? nil : UUID(uuidString: methodValue)
        do {
            try await SavedMethods(context: req.engine).setRenewal(
                serviceID: serviceID, savedMethodID: savedID, autoRenew: form["auto_renew"] == "on",
                caller: try req.client.caller)
        } catch OrderError.itemNotFound {
            throw PageError.notFound
        } catch let error as PaymentError {
            return try await renderAutorenewal(req, error: (try await PageContext.client(req)).message(error))
        }
        return req.redirect(to: SiteURL.autorenewal.notice("autorenewal_saved"))
    }

    func autopay(req: Request) async throws -> Response {
        try await renderAutopay(req, error: nil, maximum: nil)
    }

    private func renderAutopay(_ req: Request, error: String?, maximum: String?) async throws -> Response {
        let saved = try await SavedMethods(context: req.engine).list(caller: try req.client.caller).filter {
            $0.status != .beingSetUp
        }
        return PaymentPages.autopay(
            try await PageContext.client(req),
            overview: try await Autopayments(context: req.engine).overview(caller: try req.client.caller),
            saved: saved, maximum: maximum, error: error
        )
        .response(status: error == nil ? .ok : .unprocessableEntity)
    }

    func saveAutopay(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        let page = try await PageContext.client(req)
        let currency = try req.client.currency
        guard let savedID = form["method"].flatMap(UUID.init(uuidString:)) else {
            return try await renderAutopay(req, error: page.t("error.payment.choose_method"), maximum: form["maximum"])
        }
        let maximum: Money
        do { maximum = try page.amount(form["maximum"] ?? "", currency) } catch {
            return try await renderAutopay(req, error: page.message(error), maximum: form["maximum"])
        }
        do {
            try await Autopayments(context: req.engine).save(
                caller: try req.client.caller, savedMethodID: savedID, monthlyMaximum: maximum,
                enabled: form["enabled"] == "on")
        } catch let error as AutopayError {
            return try await renderAutopay(req, error: page.message(error), maximum: form["maximum"])
        }
        return req.redirect(to: SiteURL.autopay.notice("autopay_saved"))
    }
}
