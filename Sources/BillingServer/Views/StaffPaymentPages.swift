import BillingDomain
import BillingEngine
import Foundation
import Plot

/// Staff's payment pages: the list, one payment with confirmation and refunds, the methods.
enum StaffPaymentPages {
    static func list(_ page: PageContext, payments: BillingEngine.Page<Payment>, status: String, kind: String, search: String) -> HTML {
        let statusOptions =
            [(value: "", title: page.t("services.any_status"))]
            + PaymentStatus.allCases.map { (value: $0.rawValue, title: page.t("payment.status." + $0.rawValue)) }
        let kindOptions =
            [(value: "", title: page.t("admin.payments.any_method"))]
            + (PaymentMethodKind.allCases.map(\.rawValue) + ["cashback"]).map { (value: $0, title: page.t("payment.kind." + $0)) }
        let rows: Node<HTML.TableContext> = .tbody(
            .forEach(payments.items) { payment in
                .tr(
                    .td(.a(.href(SiteURL.staff(.payment(.value(payment.id))).path), .text("#\(payment.number)"))),
                    .td(.text(page.dateTime(payment.createdAt))), .td(.text(page.t("payment.kind." + payment.channel.rawValue))),
                    .td(.text(page.t("payment.purpose." + payment.purpose.rawValue))),
                    .td(.class("num"), .text(page.money(payment.total))),
                    .td(PaymentPages.statusTag(page, payment.status)))
            })
        return Layout.staff(
            page, title: page.t("admin.payments.title"),
            content: .group(
                .form(
                    .class("search filters"), .method(.get), .action(SiteURL.staff(.payments).path),
                    UI.select(label: page.t("payments.col.status"), name: "status", options: statusOptions, selected: status),
                    UI.select(label: page.t("payments.col.method"), name: "method", options: kindOptions, selected: kind),
                    .input(
                        .type(.search), .name("q"), .value(UI.escape(search)), .placeholder(page.t("admin.payments.search")),
                        .attribute(named: "aria-label", value: page.t("admin.payments.search"))),
                    .button(.type(.submit), .class("btn btn-secondary"), UI.icon("search"), .text(page.t("admin.clients.search")))),
                .if(
                    payments.items.isEmpty, .p(.class("empty"), .text(page.t("payments.none"))),
                    else:
                        .table(
                            .class("data cards"), .attribute(named: "data-testid", value: "staff-payments"),
                            .thead(
                                .tr(
                                    .th(.text(page.t("payments.col.number"))), .th(.text(page.t("payments.col.date"))),
                                    .th(.text(page.t("payments.col.method"))), .th(.text(page.t("payments.col.purpose"))),
                                    .th(.class("num"), .text(page.t("payments.col.total"))), .th(.text(page.t("payments.col.status"))))),
                            rows)),
                Pager.render(page, current: payments.request.number, pages: payments.pageCount) {
                    SiteURL.staff(.payments).path(["status": status, "method": kind, "q": search, "page": String($0)])
                }
            ))
    }

    /// The bank-transfer confirmation as typed (kept after a refusal).
    struct ReceiptForm {
        var amount: String
        var receivedOn: String
        var reference: String
    }

    /// "Olga Admin" for a member of staff, the API or the platform otherwise.
    static func who(_ page: PageContext, _ initiator: Initiator?, names: [UUID: String]) -> String {
        switch initiator {
        case .staff(let id)?: names[id] ?? page.t("admin.payments.former_staff")
        case .some(let other): page.t("service.actor." + other.kind.rawValue)
        case nil: "—"
        }
    }

    static func detail(
        _ page: PageContext, payment: Payment, refunds: [Refund], client: PaymentClient?, staffNames: [UUID: String] = [:],
        receipt: ReceiptForm? = nil, error: String?
    ) -> HTML {
        let confirmation: Node<HTML.BodyContext> = .if(
            payment.confirmedBy != nil,
            .p(
                .class("alert alert-success"), .attribute(named: "data-testid", value: "bank-confirmation"),
                .text(
                    page.t(
                        "admin.payments.confirmed_by",
                        [
                            "name": who(page, payment.confirmedBy, names: staffNames),
                            "at": payment.creditedAt.map(page.dateTime) ?? "—", "amount": page.money(payment.total),
                            "date": payment.receivedOn?.iso ?? "—", "reference": payment.bankReference ?? "—"
                        ]))))
        let confirmForm: Node<HTML.BodyContext> = .if(
            payment.awaitsBankTransfer,
            .form(
                .method(.post), .action(SiteURL.staff(.paymentConfirm(.value(payment.id))).path), .class("stack widget"),
                .attribute(named: "data-testid", value: "confirm-form"), UI.csrfField(page),
                .attribute(named: "data-confirm", value: page.t("admin.payments.confirm_question")),
                .h2(.text(page.t("admin.payments.confirm"))),
                UI.field(
                    label: page.t("admin.payments.received_amount"), name: "amount", value: receipt?.amount ?? "",
                    hint: page.t("admin.payments.received_amount_hint")),
                UI.field(label: page.t("admin.payments.received_on"), name: "received_on", type: .date, value: receipt?.receivedOn ?? ""),
                UI.field(
                    label: page.t("admin.payments.bank_reference"), name: "reference", value: receipt?.reference ?? "", required: false,
                    hint: page.t("admin.payments.bank_reference_hint")),
                UI.submit(page.t("admin.payments.confirm"))))
        let refundForm: Node<HTML.BodyContext> = .if(
            payment.isRefundable,
            .form(
                .method(.post), .action(SiteURL.staff(.paymentRefund(.value(payment.id))).path), .class("stack widget"), UI.csrfField(page),
                UI.hidden("key", UUID().uuidString.lowercased()),
                .h2(.text(page.t("admin.payments.refund"))),
                UI.field(
                    label: page.t("payment.amount"), name: "amount",
                    value: MoneyFormat.plain(payment.refundable),
                    hint: page.t("admin.payments.refund_hint")),
                UI.field(label: page.t("admin.refund.reason"), name: "reason"),
                UI.submit(page.t("admin.payments.refund"))))
        let refundRows: Node<HTML.BodyContext> = .if(
            !refunds.isEmpty,
            PaymentPages.refundTable(
                page, refunds, testID: "refunds", reasonKey: "admin.adjust.reason",
                by: { who(page, $0.actor, names: staffNames) }))
        return Layout.staff(
            page, title: page.t("payment.title", ["number": String(payment.number)]),
            content: .group(
                UI.alert(error),
                .section(
                    .class("widget widget-wide"),
                    .dl(
                        .class("facts"),
                        .dt(.text(page.t("payments.col.status"))), .dd(PaymentPages.statusTag(page, payment.status)),
                        .dt(.text(page.t("admin.payments.client"))),
                        .dd(
                            .a(
                                .href(SiteURL.staff(.client(.value(payment.accountID))).path),
                                .text(client?.ownerName.map { "\($0) <\(client?.ownerEmail ?? "")>" } ?? "—"))),
                        .dt(.text(page.t("payments.col.method"))), .dd(.text(page.t("payment.kind." + payment.channel.rawValue))),
                        .dt(.text(page.t("payments.col.purpose"))), .dd(.text(page.t("payment.purpose." + payment.purpose.rawValue))),
                        .dt(.text(page.t("admin.payments.gateway_id"))), .dd(.text(payment.gatewayPaymentID ?? "—"))),
                    PaymentPages.amountsList(page, payment: payment), confirmation),
                confirmForm, refundForm, refundRows,
                .p(.a(.href(SiteURL.staff(.payments).path), .text(page.t("payments.back"))))
            ))
    }

    /// A method's form: its stored values, or, after a refusal, what was sent (`submitted`) with
    /// the refusal inside the form, which stays open.
    static func methodForm(
        _ page: PageContext, method: PaymentMethod?, submitted: [String: String]? = nil, error: String? = nil
    ) -> Node<HTML.BodyContext> {
        let currency = method?.currency ?? page.defaultCurrency
        func plain(_ amount: Money?) -> String { amount.map { MoneyFormat.plain($0) } ?? "" }
        func value(_ name: String, _ stored: String) -> String { submitted.map { $0[name] ?? "" } ?? stored }
        func checked(_ name: String, _ stored: Bool) -> Bool { submitted.map { $0[name] == "on" } ?? stored }
        let descriptions: Node<HTML.FormContext> = .forEach(BillingDomain.Language.allCases) { language in
            UI.field(
                label: page.t("admin.methods.description") + " (\(language.rawValue))", name: "description_\(language.rawValue)",
                value: value("description_\(language.rawValue)", method?.description(in: language) ?? ""), required: false)
        }
        let kinds: Node<HTML.FormContext> = .forEach(PayerKind.allCases) { kind in
            .label(
                .class("check"),
                .input(
                    .type(.checkbox), .name("payer_\(kind.rawValue)"),
                    .checked(checked("payer_\(kind.rawValue)", method?.payerKinds.contains(kind) ?? true))),
                .text(page.t("payer.kind." + kind.rawValue)))
        }
        let open = method == nil || submitted != nil
        return .details(
            .class("widget"), .attribute(named: "open", value: open ? "open" : nil),
            .attribute(named: "data-testid", value: "method-form-" + (method?.id.uuidString.lowercased() ?? "new")),
            .summary(
                .text(
                    method.map { "\($0.name) · \(currency.code) · \(page.t("payment.kind." + $0.kind.rawValue))" }
                        ?? page.t("admin.methods.new"))),
            .form(
                .method(.post), .action(SiteURL.staff(.paymentMethods).path), .class("stack"), UI.csrfField(page),
                UI.alert(error),
                .unwrap(method) { UI.hidden("id", $0.id.uuidString.lowercased()) },
                UI.field(label: page.t("admin.methods.name"), name: "name", value: value("name", method?.name ?? "")),
                .forEach(Catalog.translatedLanguages) { language in
                    UI.field(
                        label: page.t("admin.methods.name") + " (\(language.rawValue))", name: "name.\(language.rawValue)",
                        value: value("name.\(language.rawValue)", method?.translation("name", language) ?? ""), required: false)
                },
                UI.select(
                    label: page.t("admin.methods.kind"), name: "kind",
                    options: PaymentMethodKind.allCases.map { (value: $0.rawValue, title: page.t("payment.kind." + $0.rawValue)) },
                    selected: value("kind", method?.kind.rawValue ?? "")),
                UI.select(
                    label: page.t("admin.methods.currency"), name: "currency",
                    options: Currency.all.map { (value: $0.code, title: $0.code) }, selected: value("currency", currency.code)),
                descriptions,
                UI.field(
                    label: page.t("admin.methods.commission_percent"), name: "commission_percent",
                    value: value("commission_percent", method?.terms.commissionPercent.description ?? "0"), required: false),
                UI.field(
                    label: page.t("admin.methods.commission_fixed"), name: "commission_fixed",
                    value: value("commission_fixed", plain(method?.terms.commissionFixed)), required: false),
                UI.field(
                    label: page.t("admin.methods.minimum"), name: "minimum", value: value("minimum", plain(method?.terms.minimum)),
                    required: false),
                UI.field(
                    label: page.t("admin.methods.maximum"), name: "maximum", value: value("maximum", plain(method?.terms.maximum)),
                    required: false),
                UI.field(
                    label: page.t("admin.methods.cashback_percent"), name: "cashback_percent",
                    value: value("cashback_percent", method?.terms.cashbackPercent.description ?? "0"), required: false),
                kinds,
                .label(
                    .class("check"), .input(.type(.checkbox), .name("enabled"), .checked(checked("enabled", method?.enabled ?? true))),
                    .text(page.t("admin.methods.enabled"))),
                UI.submit(page.t("admin.methods.save"))))
    }

    /// The methods' forms; after a refusal the form that was sent shows what was typed and the
    /// refusal, and the page's top names the method.
    static func methods(_ page: PageContext, methods: [PaymentMethod], error: String?, submitted: [String: String]? = nil) -> HTML {
        let sentID = submitted?["id"].flatMap(UUID.init(uuidString:)).flatMap { id in methods.first { $0.id == id }?.id }
        let sentName = methods.first { $0.id == sentID }?.name ?? page.t("admin.methods.new")
        return Layout.staff(
            page, title: page.t("admin.methods.title"),
            content: .group(
                UI.alert(error.map { page.t("admin.methods.not_saved", ["method": sentName]) + " " + $0 }),
                .forEach(methods) { method in
                    method.id == sentID
                        ? methodForm(page, method: method, submitted: submitted, error: error) : methodForm(page, method: method)
                },
                sentID == nil && submitted != nil
                    ? methodForm(page, method: nil, submitted: submitted, error: error) : methodForm(page, method: nil)
            ))
    }
}
