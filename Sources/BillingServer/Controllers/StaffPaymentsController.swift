import BillingDomain
import BillingEngine
import BillingStore
import Fluent
import Payments
import Plot
import Vapor

/// Staff's side of payments: the payment list with filters, confirming bank transfers, refunds
/// (full or partial), and the payment methods (FIN-3).
struct StaffPaymentsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("payments", use: list)
        routes.get("payments", ":paymentID", use: detail)
        routes.post("payments", ":paymentID", "confirm", use: confirm)
        routes.post("payments", ":paymentID", "refund", use: refund)
        routes.get("payment-methods", use: methods)
        routes.post("payment-methods", use: saveMethod)
    }

    private func actor(_ req: Request) throws -> String { "staff:\(try req.staff.staff.id!.uuidString.lowercased())" }

    func list(req: Request) async throws -> Response {
        try req.staff.require(.managePayments)
        let status = req.query[String.self, at: "status"]
        let kind = req.query[String.self, at: "method"]
        let search = req.query[String.self, at: "q"] ?? ""
        let payments = try await PaymentFlow(context: req.engine).staffList(status: status, methodKind: kind, search: search,
                                                                           page: PageRequest(number: req.query[Int.self, at: "page"] ?? 1))
        return StaffPaymentPages.list(PageContext(req), payments: payments, status: status ?? "", kind: kind ?? "", search: search).response()
    }

    private func payment(_ req: Request) async throws -> PaymentRecord {
        guard let id = req.parameters.get("paymentID").flatMap(UUID.init(uuidString:)),
              let payment = try await PaymentRecord.find(id, on: req.db) else { throw PageError.notFound }
        return payment
    }

    func detail(req: Request) async throws -> Response {
        try req.staff.require(.managePayments)
        return try await render(req, payment: try await payment(req), error: nil)
    }

    private func render(_ req: Request, payment: PaymentRecord, error: String?) async throws -> Response {
        let refunds = try await PaymentFlow(context: req.engine).refunds(of: payment.id!)
        let owner = try await UserRecord.query(on: req.db).filter(\.$accountID == payment.accountID).filter(\.$isOwner == true).first()
        return StaffPaymentPages.detail(PageContext(req), payment: payment, refunds: refunds, client: owner, error: error)
            .response(status: error == nil ? .ok : .unprocessableEntity)
    }

    func confirm(req: Request) async throws -> Response {
        try req.staff.require(.managePayments)
        let payment = try await payment(req)
        do {
            try await PaymentFlow(context: req.engine).confirmBankTransfer(paymentID: payment.id!, staff: try actor(req))
        } catch let error as PaymentError {
            return try await render(req, payment: payment, error: Messages.payment(error, PageContext(req)))
        }
        return req.redirect(to: "/admin/payments/\(payment.id!.uuidString.lowercased())?notice=payment_confirmed")
    }

    func refund(req: Request) async throws -> Response {
        try req.staff.require(.managePayments)
        struct Form: Content { var amount: String?; var reason: String?; var key: String? }
        let payment = try await payment(req)
        let form = try req.content.decode(Form.self)
        let page = PageContext(req)
        guard let currency = Currency.named(payment.currency),
              let amount = try? MoneyFormat.parse(form.amount ?? "", currency: currency, language: page.language) else {
            return try await render(req, payment: payment, error: page.t("error.payment.amount_invalid"))
        }
        let reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { return try await render(req, payment: payment, error: page.t("error.adjust.reason")) }
        do {
            try await PaymentFlow(context: req.engine).refund(paymentID: payment.id!, amount: amount, reason: reason, actor: try actor(req),
                                                             key: "staff:" + (form.key ?? UUID().uuidString))
        } catch let error as PaymentError {
            return try await render(req, payment: payment, error: Messages.payment(error, page))
        }
        return req.redirect(to: "/admin/payments/\(payment.id!.uuidString.lowercased())?notice=payment_refunded")
    }

    func methods(req: Request) async throws -> Response {
        try req.staff.require(.managePayments)
        return StaffPaymentPages.methods(PageContext(req), methods: try await PaymentMethods(context: req.engine).all(), error: nil).response()
    }

    func saveMethod(req: Request) async throws -> Response {
        try req.staff.require(.managePayments)
        let form = try req.content.decode([String: String].self)
        let page = PageContext(req)
        func refuse(_ key: String) async throws -> Response {
            StaffPaymentPages.methods(page, methods: try await PaymentMethods(context: req.engine).all(), error: page.t(key))
                .response(status: .unprocessableEntity)
        }
        guard let kind = form["kind"].flatMap(PaymentMethodKind.init(rawValue:)),
              let currency = form["currency"].flatMap(Currency.named) else { return try await refuse("error.order.bad_form") }
        func amount(_ name: String) -> Money?? {
            let text = (form[name] ?? "").trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return .some(nil) }
            return (try? MoneyFormat.parse(text, currency: currency, language: page.language)).map { .some($0) }
        }
        guard let commission = Percentage(text: form["commission_percent"] ?? ""), let cashback = Percentage(text: form["cashback_percent"] ?? ""),
              let fixed = amount("commission_fixed"), let minimum = amount("minimum"), let maximum = amount("maximum") else {
            return try await refuse("error.payment_method.numbers")
        }
        let payerKinds = Set(PayerKind.allCases.filter { form["payer_\($0.rawValue)"] == "on" })
        var descriptions: [BillingDomain.Language: String] = [:]
        for language in BillingDomain.Language.allCases { descriptions[language] = String((form["description_\(language.rawValue)"] ?? "").prefix(2000)) }
        do {
            try await PaymentMethods(context: req.engine).save(
                PaymentMethodForm(kind: kind, name: String((form["name"] ?? "").prefix(100)), descriptions: descriptions, currency: currency,
                                  commissionPercent: commission, commissionFixed: fixed, minimum: minimum, maximum: maximum,
                                  cashbackPercent: cashback, payerKinds: payerKinds, enabled: form["enabled"] == "on"),
                id: form["id"].flatMap(UUID.init(uuidString:)))
        } catch let problem as PaymentMethods.Problem {
            switch problem {
            case .nameMissing: return try await refuse("error.payment_method.name")
            case .noPayerKinds: return try await refuse("error.payment_method.payer_kinds")
            case .minimumAboveMaximum: return try await refuse("error.payment_method.limits")
            case .currencyMismatch: return try await refuse("error.payment_method.numbers")
            }
        }
        return req.redirect(to: "/admin/payment-methods?notice=payment_method_saved")
    }
}

enum StaffPaymentPages {
    static func list(_ page: PageContext, payments: BillingEngine.Page<PaymentRecord>, status: String, kind: String, search: String) -> HTML {
        let statusOptions = [(value: "", title: page.t("services.any_status"))]
            + PaymentStatus.allCases.map { (value: $0.rawValue, title: page.t("payment.status." + $0.rawValue)) }
        let kindOptions = [(value: "", title: page.t("admin.payments.any_method"))]
            + (PaymentMethodKind.allCases.map(\.rawValue) + ["cashback"]).map { (value: $0, title: page.t("payment.kind." + $0)) }
        let rows: Node<HTML.TableContext> = .tbody(.forEach(payments.items) { payment in
            .tr(.td(.a(.href("/admin/payments/\(payment.id!.uuidString.lowercased())"), .text("#\(payment.number)"))),
                .td(.text(page.dateTime(payment.createdAt))), .td(.text(page.t("payment.kind." + payment.methodKind))),
                .td(.text(page.t("payment.purpose." + payment.purpose))),
                .td(.class("num"), .text(PaymentPages.money(page, payment.total, payment.currency))),
                .td(PaymentPages.statusTag(page, payment.status)))
        })
        let query = "&status=\(status)&method=\(kind)&q=\(search.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        return Layout.staff(page, title: page.t("admin.payments.title"), content: .group(
            .form(.class("search filters"), .method(.get), .action("/admin/payments"),
                  UI.select(label: page.t("payments.col.status"), name: "status", options: statusOptions, selected: status),
                  UI.select(label: page.t("payments.col.method"), name: "method", options: kindOptions, selected: kind),
                  .input(.type(.search), .name("q"), .value(UI.escape(search)), .placeholder(page.t("admin.payments.search")),
                         .attribute(named: "aria-label", value: page.t("admin.payments.search"))),
                  .button(.type(.submit), .class("btn btn-secondary"), UI.icon("search"), .text(page.t("admin.clients.search")))),
            .if(payments.items.isEmpty, .p(.class("empty"), .text(page.t("payments.none"))), else:
                .table(.class("data"), .attribute(named: "data-testid", value: "staff-payments"),
                       .thead(.tr(.th(.text(page.t("payments.col.number"))), .th(.text(page.t("payments.col.date"))),
                                  .th(.text(page.t("payments.col.method"))), .th(.text(page.t("payments.col.purpose"))),
                                  .th(.class("num"), .text(page.t("payments.col.total"))), .th(.text(page.t("payments.col.status"))))), rows)),
            Pager.render(page, current: payments.request.number, pages: payments.pageCount, basePath: "/admin/payments?x=1", query: query)
        ))
    }

    static func detail(_ page: PageContext, payment: PaymentRecord, refunds: [RefundRecord], client: UserRecord?, error: String?) -> HTML {
        let path = "/admin/payments/\(payment.id!.uuidString.lowercased())"
        let remaining = payment.amount - payment.refunded
        let refundForm: Node<HTML.BodyContext> = .if(payment.status == PaymentStatus.credited.rawValue && payment.purpose != "cashback" && remaining > 0,
            .form(.method(.post), .action(path + "/refund"), .class("stack widget"), UI.csrfField(page), UI.hidden("key", UUID().uuidString.lowercased()),
                  .h2(.text(page.t("admin.payments.refund"))),
                  UI.field(label: page.t("payment.amount"), name: "amount",
                           value: MoneyFormat.plain(Money(units: remaining, currency: Currency.named(payment.currency) ?? .EUR)),
                           hint: page.t("admin.payments.refund_hint")),
                  UI.field(label: page.t("admin.adjust.reason"), name: "reason"),
                  UI.submit(page.t("admin.payments.refund"))))
        let refundRows: Node<HTML.BodyContext> = .if(!refunds.isEmpty, .table(.class("data"), .attribute(named: "data-testid", value: "refunds"),
            .thead(.tr(.th(.text(page.t("payments.col.date"))), .th(.class("num"), .text(page.t("payment.amount"))), .th(.text(page.t("admin.adjust.reason"))))),
            .tbody(.forEach(refunds) { refund in
                .tr(.td(.text(page.dateTime(refund.createdAt))), .td(.class("num"), .text(PaymentPages.money(page, refund.amount, refund.currency))),
                    .td(.text(refund.reason)))
            })))
        return Layout.staff(page, title: page.t("payment.title", ["number": String(payment.number)]), content: .group(
            UI.alert(error),
            .section(.class("widget widget-wide"),
                .dl(.class("facts"),
                    .dt(.text(page.t("payments.col.status"))), .dd(PaymentPages.statusTag(page, payment.status)),
                    .dt(.text(page.t("admin.payments.client"))),
                    .dd(.a(.href("/admin/clients/\(payment.accountID.uuidString.lowercased())"), .text(client.map { "\($0.name) <\($0.email)>" } ?? "—"))),
                    .dt(.text(page.t("payments.col.method"))), .dd(.text(page.t("payment.kind." + payment.methodKind))),
                    .dt(.text(page.t("payments.col.purpose"))), .dd(.text(page.t("payment.purpose." + payment.purpose))),
                    .dt(.text(page.t("admin.payments.gateway_id"))), .dd(.text(payment.gatewayPaymentID ?? "—"))),
                PaymentPages.amountsList(page, payment: payment),
                .if(payment.methodKind == PaymentMethodKind.bankTransfer.rawValue && PaymentStatus(rawValue: payment.status)?.acceptsMoney == true,
                    .form(.method(.post), .action(path + "/confirm"), UI.csrfField(page),
                          .attribute(named: "data-confirm", value: page.t("admin.payments.confirm_question")),
                          UI.submit(page.t("admin.payments.confirm"))))),
            refundForm, refundRows,
            .p(.a(.href("/admin/payments"), .text(page.t("payments.back"))))
        ))
    }

    static func methodForm(_ page: PageContext, method: PaymentMethod?) -> Node<HTML.BodyContext> {
        let record = method?.record
        let currency = method?.currency ?? .EUR
        func plain(_ units: Int64?) -> String { units.map { MoneyFormat.plain(Money(units: $0, currency: currency)) } ?? "" }
        let descriptions: Node<HTML.FormContext> = .forEach(BillingDomain.Language.allCases) { language in
            UI.field(label: page.t("admin.methods.description") + " (\(language.rawValue))", name: "description_\(language.rawValue)",
                     value: method?.description(in: language) ?? "", required: false)
        }
        let kinds: Node<HTML.FormContext> = .forEach(PayerKind.allCases) { kind in
            .label(.class("check"), .input(.type(.checkbox), .name("payer_\(kind.rawValue)"), .checked(method?.payerKinds.contains(kind) ?? true)),
                   .text(page.t("payer.kind." + kind.rawValue)))
        }
        return .details(.class("widget"), .attribute(named: "open", value: method == nil ? "open" : nil),
            .summary(.text(method.map { "\($0.name) · \(currency.code) · \(page.t("payment.kind." + $0.kind.rawValue))" } ?? page.t("admin.methods.new"))),
            .form(.method(.post), .action("/admin/payment-methods"), .class("stack"), UI.csrfField(page),
                  .unwrap(record) { UI.hidden("id", $0.id!.uuidString.lowercased()) },
                  UI.field(label: page.t("admin.methods.name"), name: "name", value: record?.name ?? ""),
                  UI.select(label: page.t("admin.methods.kind"), name: "kind",
                            options: PaymentMethodKind.allCases.map { (value: $0.rawValue, title: page.t("payment.kind." + $0.rawValue)) },
                            selected: record?.kind),
                  UI.select(label: page.t("admin.methods.currency"), name: "currency",
                            options: Currency.all.map { (value: $0.code, title: $0.code) }, selected: currency.code),
                  descriptions,
                  UI.field(label: page.t("admin.methods.commission_percent"), name: "commission_percent",
                           value: method?.terms.commissionPercent.description ?? "0", required: false),
                  UI.field(label: page.t("admin.methods.commission_fixed"), name: "commission_fixed", value: plain(record?.commissionFixed), required: false),
                  UI.field(label: page.t("admin.methods.minimum"), name: "minimum", value: plain(record?.minimum), required: false),
                  UI.field(label: page.t("admin.methods.maximum"), name: "maximum", value: plain(record?.maximum), required: false),
                  UI.field(label: page.t("admin.methods.cashback_percent"), name: "cashback_percent",
                           value: method?.terms.cashbackPercent.description ?? "0", required: false),
                  kinds,
                  .label(.class("check"), .input(.type(.checkbox), .name("enabled"), .checked(record?.enabled ?? true)),
                         .text(page.t("admin.methods.enabled"))),
                  UI.submit(page.t("admin.methods.save"))))
    }

    static func methods(_ page: PageContext, methods: [PaymentMethod], error: String?) -> HTML {
        Layout.staff(page, title: page.t("admin.methods.title"), content: .group(
            UI.alert(error),
            .forEach(methods) { methodForm(page, method: $0) },
            methodForm(page, method: nil)
        ))
    }
}
