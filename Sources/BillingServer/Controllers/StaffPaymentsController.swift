import BillingDomain
import BillingEngine
import Payments
import Vapor

/// Staff's side of payments: the payment list with filters, confirming bank transfers, refunds
/// (full or partial), and the payment methods (FIN-3).
struct StaffPaymentsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.staff(.payments), use: list)
        routes.get(SiteURL.staff(.payment(.key)), use: detail)
        routes.post(SiteURL.staff(.paymentConfirm(.key)), use: confirm)
        routes.post(SiteURL.staff(.paymentRefund(.key)), use: refund)
        routes.get(SiteURL.staff(.paymentMethods), use: methods)
        routes.post(SiteURL.staff(.paymentMethods), use: saveMethod)
    }

    func list(req: Request) async throws -> Response {
        let status = req.query[String.self, at: "status"]
        let kind = req.query[String.self, at: "method"]
        let search = req.query[String.self, at: "q"] ?? ""
        let payments = try await PaymentFlow(context: req.engine).staffList(
            status: status.flatMap(PaymentStatus.init(rawValue:)), channel: kind.flatMap(PaymentChannel.init(rawValue:)), search: search,
            page: PageRequest.web(req.query[String.self, at: "page"]))
        return StaffPaymentPages.list(PageContext(req), payments: payments, status: status ?? "", kind: kind ?? "", search: search)
            .response()
    }

    private func payment(_ req: Request) async throws -> Payment {
        guard let id = req.parameters.get("paymentID").flatMap(UUID.init(uuidString:)),
            let payment = try await PaymentFlow(context: req.engine).payment(id)
        else { throw PageError.notFound }
        return payment
    }

    func detail(req: Request) async throws -> Response {
        return try await render(req, payment: try await payment(req), error: nil)
    }

    private func render(
        _ req: Request, payment: Payment, error: String?, receipt: StaffPaymentPages.ReceiptForm? = nil
    ) async throws -> Response {
        let flow = PaymentFlow(context: req.engine)
        let refunds = try await flow.refunds(of: payment)
        let client = try await flow.clients(of: [payment])[payment.accountID]
        let names = try await StaffAccounts(context: req.engine).names(
            of: [payment.confirmedBy].compactMap { $0 } + refunds.compactMap(\.actor))
        let page = PageContext(req)
        return StaffPaymentPages.detail(
            page, payment: payment, refunds: refunds, client: client, staffNames: names,
            receipt: receipt ?? .init(amount: MoneyFormat.plain(payment.total), receivedOn: req.engine.today.iso, reference: ""),
            error: error
        ).response(status: error == nil ? .ok : .unprocessableEntity)
    }

    /// Confirms a bank transfer with what the statement says: the amount that arrived, the day,
    /// the bank's reference. A refusal shows the form again with what was typed.
    func confirm(req: Request) async throws -> Response {
        let payment = try await payment(req)
        let fields = (try? req.content.decode([String: String].self)) ?? [:]
        let form = StaffPaymentPages.ReceiptForm(
            amount: String((fields["amount"] ?? "").prefix(30)), receivedOn: String((fields["received_on"] ?? "").prefix(10)),
            reference: String((fields["reference"] ?? "").prefix(200)))
        let page = PageContext(req)
        do {
            let amount = try page.amount(form.amount, payment.currency)
            guard let receivedOn = LocalDate(iso: form.receivedOn) else { throw PaymentError.receivedOnInvalid }
            try await PaymentFlow(context: req.engine).confirmBankTransfer(
                paymentID: payment.id, receipt: .init(amount: amount, receivedOn: receivedOn, reference: form.reference),
                caller: try req.staff.caller)
        } catch let refusal as any Refusal {
            return try await render(req, payment: payment, error: page.message(refusal), receipt: form)
        }
        return req.redirect(to: SiteURL.staff(.payment(.value(payment.id))).notice("payment_confirmed"))
    }

    func refund(req: Request) async throws -> Response {
        struct Form: Content {
            var amount: String?
            var reason: String?
            var key: String?
        }
        let payment = try await payment(req)
        let form = try req.content.decode(Form.self)
        let page = PageContext(req)
        let currency = payment.currency
        do {
            let amount = try page.amount(form.amount ?? "", currency)
            try await PaymentFlow(context: req.engine).refund(
                paymentID: payment.id, amount: amount, reason: form.reason ?? "", caller: try req.staff.caller,
                key: "staff:" + (form.key ?? UUID().uuidString))
        } catch let refusal as any Refusal {
            return try await render(req, payment: payment, error: page.message(refusal))
        }
        return req.redirect(to: SiteURL.staff(.payment(.value(payment.id))).notice("payment_refunded"))
    }

    func methods(req: Request) async throws -> Response {
        return StaffPaymentPages.methods(PageContext(req), methods: try await PaymentMethods(context: req.engine).all(), error: nil)
            .response()
    }

    func saveMethod(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        let page = PageContext(req)
        func refuse(_ key: String, _ arguments: [String: String] = [:]) async throws -> Response {
            StaffPaymentPages.methods(
                page, methods: try await PaymentMethods(context: req.engine).all(), error: page.t(key, arguments),
                submitted: form.filter { !$0.key.hasPrefix("_") }
            ).response(status: .unprocessableEntity)
        }
        guard let kind = form["kind"].flatMap(PaymentMethodKind.init(rawValue:)),
            let currency = form["currency"].flatMap(Currency.named)
        else { return try await refuse("error.order.bad_form") }
        func amount(_ name: String) -> Money?? {
            let text = (form[name] ?? "").trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return .some(nil) }
            return (try? page.amount(text, currency, positive: false)).map { .some($0) }
        }
        // Each number is checked on its own, so the refusal names the field.
        guard let commission = Percentage(text: form["commission_percent"] ?? "") else {
            return try await refuse("error.payment_method.field", ["field": page.t("admin.methods.commission_percent")])
        }
        guard let cashback = Percentage(text: form["cashback_percent"] ?? "") else {
            return try await refuse("error.payment_method.field", ["field": page.t("admin.methods.cashback_percent")])
        }
        guard let fixed = amount("commission_fixed") else {
            return try await refuse("error.payment_method.field", ["field": page.t("admin.methods.commission_fixed")])
        }
        guard let minimum = amount("minimum") else {
            return try await refuse("error.payment_method.field", ["field": page.t("admin.methods.minimum")])
        }
        guard let maximum = amount("maximum") else {
            return try await refuse("error.payment_method.field", ["field": page.t("admin.methods.maximum")])
        }
        let payerKinds = Set(PayerKind.allCases.filter { form["payer_\($0.rawValue)"] == "on" })
        var names: [BillingDomain.Language: String] = [:]
        for language in Catalog.translatedLanguages { names[language] = String((form["name.\(language.rawValue)"] ?? "").prefix(100)) }
        var descriptions: [BillingDomain.Language: String] = [:]
        for language in BillingDomain.Language.allCases {
            descriptions[language] = String((form["description_\(language.rawValue)"] ?? "").prefix(2000))
        }
        do {
            try await PaymentMethods(context: req.engine).save(
                PaymentMethodForm(
                    kind: kind, name: String((form["name"] ?? "").prefix(100)), names: names, descriptions: descriptions,
                    currency: currency,
                    commissionPercent: commission, commissionFixed: fixed, minimum: minimum, maximum: maximum,
                    cashbackPercent: cashback, payerKinds: payerKinds, enabled: form["enabled"] == "on"),
                id: form["id"].flatMap(UUID.init(uuidString:)), caller: try req.staff.caller)
        } catch let refusal as PaymentMethodError {
            return try await refuse(refusal.textKey)
        }
        return req.redirect(to: SiteURL.staff(.paymentMethods).notice("payment_method_saved"))
    }
}
