import BillingDomain
import BillingEngine
import Foundation
import Payments
import Plot

/// The client's payment pages: invoices, the payment flow, saved methods, auto-renewal, autopayment.
enum PaymentPages {
    static func statusTag(_ page: PageContext, _ status: PaymentStatus) -> Node<HTML.BodyContext> {
        let tone: String
        switch status {
        case .credited: tone = "tag-ok"
        case .cancelled, .refunded: tone = "tag-muted"
        default: tone = "tag-warn"
        }
        return .span(
            .class("tag \(tone)"), .attribute(named: "data-testid", value: "payment-status"),
            .text(page.t("payment.status." + status.rawValue)))
    }

    static func methodName(_ page: PageContext, _ payment: Payment, names: [UUID: String]) -> String {
        if payment.purpose == .cashback { return page.t("payment.cashback") }
        return payment.methodID.flatMap { names[$0] } ?? page.t("payment.kind." + payment.channel.rawValue)
    }

    static func list(
        _ page: PageContext, filter: PaymentFlow.Filter, payments: BillingEngine.Page<Payment>, methodNames: [UUID: String]
    ) -> HTML {
        let tabs: Node<HTML.BodyContext> = .nav(
            .class("tabs"),
            .forEach(PaymentFlow.Filter.allCases) { option in
                .a(
                    .href(SiteURL.payments.path(["filter": option.rawValue])), .class(option == filter ? "tab active" : "tab"),
                    .text(page.t("payments.filter." + option.rawValue)))
            })
        let rows: Node<HTML.TableContext> = .tbody(
            .forEach(payments.items) { payment in
                let link = SiteURL.payment(.value(payment.id)).path
                return .tr(
                    .td(.a(.href(link), .text("#\(payment.number)"))), .td(.text(page.dateTime(payment.createdAt))),
                    .td(.text(methodName(page, payment, names: methodNames))),
                    .td(.text(page.t("payment.purpose." + payment.purpose.rawValue))),
                    .td(.class("num"), .text(page.money(payment.total))), .td(statusTag(page, payment.status)))
            })
        let table: Node<HTML.BodyContext> = .if(
            payments.items.isEmpty, .p(.class("empty"), .text(page.t("payments.none"))),
            else:
                .table(
                    .class("data cards"), .attribute(named: "data-testid", value: "payment-list"),
                    .thead(
                        .tr(
                            .th(.text(page.t("payments.col.number"))), .th(.text(page.t("payments.col.date"))),
                            .th(.text(page.t("payments.col.method"))), .th(.text(page.t("payments.col.purpose"))),
                            .th(.class("num"), .text(page.t("payments.col.total"))), .th(.text(page.t("payments.col.status"))))),
                    rows))
        return Layout.client(
            page, title: page.t("payments.title"),
            content: .group(
                .div(
                    .class("actions"),
                    .a(.class("btn btn-primary"), .href(SiteURL.newPayment.path), UI.icon("plus"), .text(page.t("payments.top_up")))),
                tabs, table,
                Pager.render(page, current: payments.request.number, pages: payments.pageCount) {
                    SiteURL.payments.path(["filter": filter.rawValue, "page": String($0)])
                }
            ))
    }

    /// A payment's refunds (date, amount, reason), on the client's and on staff's payment page.
    /// Refunds with date, amount and reason; staff also see who made each (`by`).
    static func refundTable<C: HTML.BodyContext>(
        _ page: PageContext, _ refunds: [Refund], testID: String, reasonKey: String, by: ((Refund) -> String)? = nil
    ) -> Node<C> {
        .table(
            .class("data cards"), .attribute(named: "data-testid", value: testID),
            .thead(
                .tr(
                    .th(.text(page.t("payments.col.date"))), .th(.class("num"), .text(page.t("payment.amount"))),
                    .th(.text(page.t(reasonKey))), .unwrap(by) { _ in .th(.text(page.t("admin.payments.refunded_by"))) })),
            .tbody(
                .forEach(refunds) { refund in
                    .tr(
                        .td(.text(page.dateTime(refund.createdAt))), .td(.class("num"), .text(page.money(refund.amount))),
                        .td(.text(refund.reason)),
                        .unwrap(by) { by in .td(.attribute(named: "data-testid", value: "refund-by"), .text(by(refund))) })
                }))
    }

    static func amountsList(_ page: PageContext, payment: Payment) -> Node<HTML.BodyContext> {
        .dl(
            .class("totals"),
            .dt(.text(page.t("payment.amount"))), .dd(.text(page.money(payment.amount))),
            .dt(.text(page.t("payment.commission"))), .dd(.text(page.money(payment.commission))),
            .dt(.class("grand"), .text(page.t("payment.total"))),
            .dd(
                .class("grand"), .attribute(named: "data-testid", value: "payment-total"),
                .text(page.money(payment.total))),
            .if(
                payment.cashback.isPositive,
                .group(.dt(.text(page.t("payment.cashback"))), .dd(.text(page.money(payment.cashback))))),
            .if(
                payment.refunded.isPositive,
                .group(.dt(.text(page.t("payment.refunded"))), .dd(.text(page.money(payment.refunded))))))
    }

    /// What a payer needs to make a bank transfer, and what the bookkeeper matches it by: the
    /// seller's account and the invoice's payment reference.
    static func bankTransfer<C: HTML.BodyContext>(
        _ page: PageContext, payment: Payment, seller: SellerDetails,
        clientCode: Int
    ) -> Node<C> {
        guard seller.isComplete else {
            return .div(
                .class("alert alert-error"), .attribute(named: "data-testid", value: "bank-details-missing"),
                .text(page.t("invoice.bank.missing")))
        }
        let rows: [(String, String, String)] = [
            ("invoice.bank.recipient", seller.legalName, "bank-recipient"), ("invoice.bank.tax_id", seller.taxID, "bank-tax-id"),
            ("invoice.bank.account", seller.account, "bank-account"), ("invoice.bank.bank", seller.bankName, "bank-name"),
            ("invoice.bank.code", seller.bankCode, "bank-code"),
            (
                "invoice.bank.reference", SellerDetails.paymentReference(invoiceNumber: payment.number, clientCode: clientCode),
                "bank-reference"
            ),
            ("invoice.bank.amount", page.money(payment.total), "bank-amount")
        ]
        return .section(
            .class("widget widget-wide bank-details"), .attribute(named: "data-testid", value: "bank-details"),
            .h2(.text(page.t("invoice.bank.title"))),
            .dl(
                .class("facts"),
                .forEach(rows.filter { !$0.1.isEmpty }) { row in
                    .group(.dt(.text(page.t(row.0))), .dd(.attribute(named: "data-testid", value: row.2), .text(row.1)))
                }))
    }

    static func detail(
        _ page: PageContext, payment: Payment, method: PaymentMethod?, payer: Payer?, payLink: String?,
        seller: SellerDetails, refunds: [Refund], error: String?
    ) -> HTML {
        let unpaid = payment.status.isUnpaid
        let facts: Node<HTML.BodyContext> = .dl(
            .class("facts"),
            .dt(.text(page.t("payments.col.status"))), .dd(statusTag(page, payment.status)),
            .dt(.text(page.t("payments.col.method"))),
            .dd(.text(method?.name(in: page.language) ?? page.t("payment.kind." + payment.channel.rawValue))),
            .dt(.text(page.t("payments.col.purpose"))), .dd(.text(page.t("payment.purpose." + payment.purpose.rawValue))),
            .dt(.text(page.t("payment.payer"))), .dd(.text(payer?.name ?? page.client?.userName ?? "—")),
            .dt(.text(page.t("payments.col.date"))), .dd(.text(page.dateTime(payment.createdAt))),
            .unwrap(payment.creditedAt) { .group(.dt(.text(page.t("payment.credited_at"))), .dd(.text(page.dateTime($0)))) },
            .unwrap(payment.failure) { .group(.dt(.text(page.t("payment.failure"))), .dd(.text($0))) })
        let instructions: Node<HTML.BodyContext> = .unwrap(method) { method in
            .if(
                method.kind == .bankTransfer && unpaid,
                .group(
                    .div(.class("alert alert-info"), .text(method.description(in: page.language))),
                    bankTransfer(page, payment: payment, seller: seller, clientCode: page.client?.summary.account.clientCode ?? 0)))
        }
        let actions: Node<HTML.BodyContext> = .div(
            .class("actions"),
            .if(
                unpaid && method?.kind.isGateway == true,
                .form(
                    .method(.post), .action(SiteURL.paymentPay(.value(payment.id)).path), UI.csrfField(page),
                    UI.submit(page.t("payment.pay")))),
            .if(
                unpaid,
                .form(
                    .method(.post), .action(SiteURL.paymentDelete(.value(payment.id)).path), UI.csrfField(page),
                    .attribute(named: "data-confirm", value: page.t("payment.delete_confirm")),
                    .button(.type(.submit), .class("btn btn-ghost"), .text(page.t("payment.delete"))))),
            .a(
                .class("btn btn-secondary"), .href(SiteURL.paymentInvoice(.value(payment.id)).path), .target(.blank),
                .text(page.t("payment.print"))))
        let link: Node<HTML.BodyContext> = .unwrap(payLink) { link in
            .div(
                .class("field"),
                .label(.for("pay-link"), .text(page.t("payment.pay_link"))),
                .div(
                    .class("inline-form"),
                    .input(
                        .type(.text), .id("pay-link"), .value(UI.escape(link)), .readonly(true),
                        .attribute(named: "data-testid", value: "pay-link")),
                    .button(
                        .type(.button), .class("btn btn-secondary"), .attribute(named: "data-copy", value: "#pay-link"),
                        .text(page.t("payment.copy_link")))),
                .p(.class("hint"), .text(page.t("payment.pay_link_hint"))))
        }
        return Layout.client(
            page, title: page.t("payment.title", ["number": String(payment.number)]),
            content: .group(
                UI.alert(error), instructions,
                .div(
                    .class("cart-layout"),
                    .section(.class("widget"), facts, actions, link),
                    .aside(.class("widget cart-summary"), .h2(.text(page.t("payment.amounts"))), amountsList(page, payment: payment))),
                .if(
                    !refunds.isEmpty,
                    .section(
                        .class("widget widget-wide"),
                        .h2(.text(page.t("payment.refunds"))),
                        refundTable(page, refunds, testID: "refund-list", reasonKey: "payment.refund_reason"))),
                .p(.a(.href(SiteURL.payments.path), .text(page.t("payments.back"))))
            ))
    }

    static func result(_ page: PageContext, payment: Payment, topUpFor order: OrderToPay? = nil) -> HTML {
        let status = payment.status
        let key: String
        switch status {
        case .credited, .refunded: key = "payment.result.credited"
        case .cancelled: key = "payment.result.cancelled"
        default: key = "payment.result.waiting"
        }
        // The order the top-up was for: paid with it, or (the balance went elsewhere meanwhile)
        // one link away.
        var orderNote: Node<HTML.BodyContext> = .empty
        if let order, status == .credited {
            let paid = order.status == .paid
            let text = page.t(paid ? "payment.result.order_paid" : "payment.result.order_waits", ["number": String(order.number)])
            orderNote = .div(
                .class(paid ? "alert alert-success" : "alert alert-info"), .attribute(named: "data-testid", value: "top-up-order"),
                .text(text + " "),
                .a(.href(SiteURL.order(.value(order.id)).path), .text(page.t("payment.result.open_order"))))
        }
        let body: Node<HTML.BodyContext> = .group(
            // While the gateway's webhook is on its way, the page looks again every few seconds.
            .if(status.isUnpaid, .raw("<meta http-equiv=\"refresh\" content=\"3\">")),
            .section(
                .class("widget widget-wide"),
                .div(
                    .class(status == .credited ? "alert alert-success" : (status == .cancelled ? "alert alert-error" : "alert alert-info")),
                    .attribute(named: "data-testid", value: "payment-result"),
                    .text(page.t(key, ["number": String(payment.number), "amount": page.money(payment.amount)]))),
                orderNote,
                amountsList(page, payment: payment),
                .div(
                    .class("actions"),
                    // A declined or abandoned payment is tried again with one click.
                    .if(
                        status == .cancelled && payment.channel != .method(.balance),
                        .form(
                            .method(.post), .action(SiteURL.paymentPay(.value(payment.id)).path), UI.csrfField(page),
                            .attribute(named: "data-testid", value: "try-again"), UI.submit(page.t("payment.try_again")))),
                    .a(
                        .class("btn btn-primary"), .href(SiteURL.payment(.value(payment.id)).path),
                        .text(page.t("payment.details"))),
                    .a(.class("btn btn-ghost"), .href(SiteURL.balanceHistory.path), .text(page.t("nav.balance_history"))))))
        return Layout.client(page, title: page.t("payment.result.title"), content: body)
    }

    /// Where a payer lands who left the gateway's page without paying: nothing has changed yet;
    /// they pay again or cancel the invoice, each with a button (a POST).
    static func abandoned(_ page: PageContext, payment: Payment) -> HTML {
        let path = SiteURL.payment(.value(payment.id)).path
        let unpaid = payment.status.isUnpaid
        let body: Node<HTML.BodyContext> = .section(
            .class("widget widget-wide"),
            .div(
                .class("alert alert-info"), .attribute(named: "data-testid", value: "payment-abandoned"),
                .text(page.t(unpaid ? "payment.abandoned.open" : "payment.abandoned.closed", ["number": String(payment.number)]))),
            amountsList(page, payment: payment),
            .div(
                .class("actions"),
                .if(
                    unpaid,
                    .form(
                        .method(.post), .action(SiteURL.paymentPay(.value(payment.id)).path), UI.csrfField(page),
                        UI.submit(page.t("payment.pay_again")))),
                .if(
                    unpaid,
                    .form(
                        .method(.post), .action(SiteURL.paymentCancelled(.value(payment.id)).path), UI.csrfField(page),
                        .attribute(named: "data-testid", value: "cancel-invoice"),
                        UI.submit(page.t("payment.cancel_invoice"), style: "ghost"))),
                .a(.class("btn btn-ghost"), .href(path), .text(page.t("payment.details")))))
        return Layout.client(page, title: page.t("payment.abandoned.title"), content: body)
    }

    /// The printable invoice (FIN-4; PDF comes with the documents issue).
    static func printable(
        _ page: PageContext, payment: Payment, method: PaymentMethod?, payer: Payer?, client: String,
        clientCode: Int, seller: SellerDetails
    ) -> HTML {
        let paid = payment.status == .credited || payment.status == .refunded
        return HTML(
            .lang(page.plotLanguage), Layout.head(page, title: page.t("invoice.title", ["number": String(payment.number)])),
            .body(
                .class("print"),
                .main(
                    .class("invoice"),
                    .header(
                        .h1(.text(page.t("invoice.title", ["number": String(payment.number)]))),
                        .p(.text(seller.legalName.isEmpty ? page.providerName : seller.legalName)),
                        .if(!seller.address.isEmpty, .p(.class("muted"), .text(seller.address))),
                        .if(!seller.taxID.isEmpty, .p(.class("muted"), .text(page.t("invoice.bank.tax_id") + ": " + seller.taxID))),
                        .p(.class("muted"), .text(page.dateTime(payment.createdAt)))),
                    .p(.strong(.text(page.t("payment.payer") + ": ")), .text(payer?.name ?? client)),
                    .table(
                        .class("data"),
                        .thead(.tr(.th(.text(page.t("invoice.item"))), .th(.class("num"), .text(page.t("payments.col.total"))))),
                        .tbody(
                            .tr(
                                .td(.text(page.t("payment.purpose." + payment.purpose.rawValue))),
                                .td(.class("num"), .text(page.money(payment.amount)))),
                            .if(
                                payment.commission.isPositive,
                                .tr(
                                    .td(.text(page.t("payment.commission"))),
                                    .td(.class("num"), .text(page.money(payment.commission))))),
                            .tr(
                                .class("grand"), .td(.strong(.text(page.t("payment.total")))),
                                .td(.class("num"), .strong(.text(page.money(payment.total))))))),
                    .p(
                        .text(
                            page.t("payments.col.method") + ": "
                                + (method?.name(in: page.language) ?? page.t("payment.kind." + payment.channel.rawValue)))),
                    .unwrap(method) { method in
                        .if(
                            method.kind == .bankTransfer,
                            .group(
                                .p(.class("muted"), .text(method.description(in: page.language))),
                                bankTransfer(page, payment: payment, seller: seller, clientCode: clientCode)))
                    },
                    .p(
                        .class(paid ? "stamp stamp-paid" : "stamp"), .attribute(named: "data-testid", value: "invoice-stamp"),
                        .text(page.t(paid ? "invoice.paid" : "invoice.unpaid", ["date": payment.creditedAt.map(page.dateTime) ?? ""]))),
                    .button(
                        .type(.button), .class("btn btn-secondary no-print"), .attribute(named: "data-print", value: "print"),
                        .text(page.t("payment.print"))))))
    }

    // MARK: the flow

    /// "Commission 2.5 % + €0.30", "Commission 2.5 %", "Commission €0.30" or "No commission".
    static func commissionText(_ page: PageContext, _ terms: PaymentTerms) -> String {
        let percent = terms.commissionPercent.basisPoints > 0
        let fixed = terms.commissionFixed.isPositive
        let arguments = ["percent": page.percent(terms.commissionPercent), "fixed": page.money(terms.commissionFixed)]
        switch (percent, fixed) {
        case (true, true): return page.t("payment.method.commission", arguments)
        case (true, false): return page.t("payment.method.commission_percent", arguments)
        case (false, true): return page.t("payment.method.commission_fixed", arguments)
        case (false, false): return page.t("payment.method.no_commission")
        }
    }

    static func form(
        _ page: PageContext, methods: [PaymentMethod], payers: [Payer], form: PaymentsController.PaymentForm,
        order: OrderToPay?, topUpFor: OrderToPay? = nil, error: String?
    ) -> HTML {
        let selected = form.methodID ?? methods.first?.id
        let methodList: Node<HTML.FormContext> = .fieldset(
            .class("methods"),
            .h2(.text(page.t("payment.step.method"))),
            .forEach(methods) { method in
                let id = method.id.uuidString.lowercased()
                let commission = commissionText(page, method.terms)
                // A method not every payer may use says for whom it is; the page's script
                // turns it off while another kind of payer is chosen, and the server refuses
                // the combination at the next step either way.
                let onlyFor = PayerKind.allCases.filter(method.payerKinds.contains)
                let restricted = onlyFor.count < PayerKind.allCases.count
                return .label(
                    .class("method-option"),
                    .input(
                        .type(.radio), .name("method"), .value(id),
                        .attribute(named: "data-testid", value: "method-\(method.kind.rawValue)"),
                        .attribute(named: "data-payer-kinds", value: onlyFor.map(\.rawValue).joined(separator: " ")),
                        .checked(method.id == selected)),
                    .span(
                        .class("method-body"),
                        .strong(
                            .attribute(named: "data-testid", value: "method-name-\(method.kind.rawValue)"),
                            .text(method.name(in: page.language))),
                        .span(.class("muted small"), .text(method.description(in: page.language))),
                        .span(
                            .class("small"), .attribute(named: "data-testid", value: "method-terms-\(method.kind.rawValue)"),
                            .text(commission)),
                        .if(
                            method.terms.cashbackPercent.basisPoints > 0,
                            .span(
                                .class("tag tag-ok"),
                                .text(page.t("payment.method.cashback", ["percent": page.percent(method.terms.cashbackPercent)])))),
                        .if(
                            restricted,
                            .span(
                                .class("tag"), .attribute(named: "data-testid", value: "method-payers-\(method.kind.rawValue)"),
                                .text(page.t("payment.method.only_for", ["payers": payerKindList(page, onlyFor)]))))))
            })
        let amount: Node<HTML.FormContext> = .unwrap(
            order,
            { order in
                .group(
                    UI.hidden("order", order.id.uuidString.lowercased()),
                    .p(
                        .attribute(named: "data-testid", value: "payment-for-order"),
                        .text(
                            page.t(
                                "payment.for_order", ["number": String(order.number), "amount": page.money(order.total)]))),
                    .p(.class("muted small"), .text(page.t("order.method_fixed"))))
            },
            else: .group(
                UI.field(label: page.t("payment.amount"), name: "amount", value: form.amount, hint: page.t("payment.amount_hint")),
                .unwrap(topUpFor) { order in
                    .group(
                        UI.hidden("for_order", order.id.uuidString.lowercased()),
                        .p(
                            .class("alert alert-info"), .attribute(named: "data-testid", value: "top-up-for-order"),
                            .text(page.t("payment.top_up_for_order", ["number": String(order.number)]))))
                }))
        let payerOptions =
            [(value: "self", title: page.client?.userName ?? "—")]
            + payers.map { (value: $0.id.uuidString.lowercased(), title: "\($0.name) (\(page.t("payer.kind." + $0.kind.rawValue)))") }
            + [(value: "new", title: page.t("payment.payer_new"))]
        let payer: Node<HTML.FormContext> = .fieldset(
            .h2(.text(page.t("payment.step.payer"))),
            UI.select(
                label: page.t("payment.payer"), name: "payer", options: payerOptions, selected: form.payerChoice,
                kinds: Dictionary(uniqueKeysWithValues: payers.map { ($0.id.uuidString.lowercased(), $0.kind.rawValue) })
                    .merging(["self": PayerKind.person.rawValue]) { $1 }),
            UI.field(
                label: page.t("payment.payer_name"), name: "payer_name", value: form.payerName, required: false,
                hint: page.t("payment.payer_name_hint")),
            UI.select(
                label: page.t("payment.payer_kind"), name: "payer_kind",
                options: PayerKind.allCases.map { (value: $0.rawValue, title: page.t("payer.kind." + $0.rawValue)) },
                selected: form.payerKind.rawValue),
            .label(
                .class("check"), .input(.type(.checkbox), .name("save"), .checked(form.saveMethod)), .text(page.t("payment.save_method"))))
        return Layout.client(
            page, title: page.t(order == nil ? "payments.top_up" : "payment.pay_order"),
            content: .group(
                UI.alert(error),
                .if(methods.isEmpty, .p(.class("empty"), .text(page.t("payment.no_methods")))),
                .form(
                    .method(.post), .action(SiteURL.newPayment.path), .class("stack widget widget-wide"), UI.csrfField(page),
                    UI.hidden("key", form.key), UI.hidden("action", "confirm"),
                    methodList, amount, payer, UI.submit(page.t("payment.continue")))
            ))
    }

    /// "companies", "private persons and companies", in the reader's language.
    static func payerKindList(_ page: PageContext, _ kinds: [PayerKind]) -> String {
        kinds.map { page.t("payer.kinds." + $0.rawValue) }.joined(separator: page.t("list.and"))
    }

    static func confirm(
        _ page: PageContext, method: PaymentMethod, amounts: PaymentAmounts, form: PaymentsController.PaymentForm,
        payerTitle: String
    ) -> HTML {
        let hidden: Node<HTML.FormContext> = .group(
            UI.csrfField(page), UI.hidden("key", form.key), UI.hidden("action", "pay"),
            UI.hidden("method", method.id.uuidString.lowercased()),
            UI.hidden("amount", MoneyFormat.plain(amounts.amount)), UI.hidden("payer", form.payerChoice),
            UI.hidden("payer_name", form.payerName),
            UI.hidden("payer_kind", form.payerKind.rawValue), .if(form.saveMethod, UI.hidden("save", "on")),
            .unwrap(form.orderID) { UI.hidden("order", $0.uuidString.lowercased()) },
            .unwrap(form.forOrderID) { UI.hidden("for_order", $0.uuidString.lowercased()) })
        return Layout.client(
            page, title: page.t("payment.step.confirm"),
            content: .group(
                .section(
                    .class("widget widget-wide"),
                    .dl(
                        .class("facts"),
                        .dt(.text(page.t("payments.col.method"))), .dd(.text(method.name(in: page.language))),
                        .dt(.text(page.t("payment.payer"))), .dd(.text(payerTitle))),
                    .dl(
                        .class("totals"), .attribute(named: "data-testid", value: "confirm-amounts"),
                        .dt(.text(page.t("payment.amount"))), .dd(.text(page.money(amounts.amount))),
                        .dt(.text(page.t("payment.commission"))),
                        .dd(.attribute(named: "data-testid", value: "confirm-commission"), .text(page.money(amounts.commission))),
                        .dt(.class("grand"), .text(page.t("payment.total"))),
                        .dd(.class("grand"), .attribute(named: "data-testid", value: "confirm-total"), .text(page.money(amounts.total))),
                        .if(
                            amounts.cashback.isPositive,
                            .group(.dt(.text(page.t("payment.cashback"))), .dd(.text(page.money(amounts.cashback)))))),
                    .form(
                        .method(.post), .action(SiteURL.newPayment.path), hidden,
                        .p(.class("muted small"), .text(page.t(method.kind.isGateway ? "payment.to_gateway" : "payment.invoice_note"))),
                        UI.submit(page.t("payment.pay"))),
                    .p(.a(.href(SiteURL.newPayment.path), .text(page.t("payment.back_to_methods")))))
            ))
    }

    // MARK: saved methods, auto-renewal, autopayment

    static func savedTag(_ page: PageContext, _ status: SavedMethodStatus) -> Node<HTML.BodyContext> {
        let tone =
            status == .enabled ? "tag-ok" : (status == .notWorking ? "tag-bad" : "tag-warn")
        return .span(
            .class("tag \(tone)"), .attribute(named: "data-testid", value: "saved-status"), .text(page.t("saved.status." + status.rawValue))
        )
    }

    static func savedMethods(_ page: PageContext, saved: [SavedMethod], setupMethods: [PaymentMethod], error: String?) -> HTML {
        let rows: Node<HTML.TableContext> = .tbody(
            .forEach(saved) { method in
                return .tr(
                    .td(
                        .form(
                            .method(.post), .action(SiteURL.savedMethodRename(.value(method.id)).path), .class("inline-form"),
                            UI.csrfField(page),
                            .input(
                                .type(.text), .name("name"), .value(UI.escape(method.name)),
                                .attribute(named: "aria-label", value: page.t("saved.name"))),
                            .button(.type(.submit), .class("btn btn-ghost"), .text(page.t("saved.rename"))))),
                    .td(.text(method.label)), .td(.text(page.t("payment.kind." + method.gateway))), .td(savedTag(page, method.status)),
                    .td(
                        .form(
                            .method(.post), .action(SiteURL.savedMethodDelete(.value(method.id)).path), UI.csrfField(page),
                            .attribute(named: "data-confirm", value: page.t("saved.delete_confirm")),
                            .button(.type(.submit), .class("btn btn-ghost"), .text(page.t("saved.delete"))))))
            })
        return Layout.client(
            page, title: page.t("saved.title"),
            content: .group(
                UI.alert(error),
                .p(.class("muted"), .text(page.t("saved.intro"))),
                .if(
                    saved.isEmpty, .p(.class("empty"), .text(page.t("saved.none"))),
                    else:
                        .table(
                            .class("data cards"), .attribute(named: "data-testid", value: "saved-methods"),
                            .thead(
                                .tr(
                                    .th(.text(page.t("saved.name"))), .th(.text(page.t("saved.card"))), .th(.text(page.t("saved.gateway"))),
                                    .th(.text(page.t("payments.col.status"))), .th())), rows)),
                .if(
                    !setupMethods.isEmpty,
                    .form(
                        .method(.post), .action(SiteURL.savedMethods.path), .class("inline-form widget"), UI.csrfField(page),
                        UI.select(
                            label: page.t("saved.add_through"), name: "method",
                            options: setupMethods.map { (value: $0.id.uuidString.lowercased(), title: $0.name) }, selected: nil),
                        UI.submit(page.t("saved.add"))))
            ))
    }

    static func autorenewal(_ page: PageContext, services: [Service], saved: [SavedMethod], error: String?) -> HTML {
        let options =
            [(value: "balance", title: page.t("payment.method.balance"))]
            + saved.map { (value: $0.id.uuidString.lowercased(), title: "\($0.name) (\(page.t("saved.status." + $0.status.rawValue)))") }
        let rows: Node<HTML.TableContext> = .tbody(
            .forEach(services) { service in
                .tr(
                    .td(
                        .a(
                            .href(SiteURL.service(.value(service.id)).path),
                            .text("#\(service.number) \(service.planName.text(in: page.language))"))),
                    .td(.text(service.domainName.isEmpty ? "—" : service.domainName)), .td(.text(service.expiresOn.description)),
                    .td(
                        .form(
                            .method(.post), .action(SiteURL.autorenewal.path), .class("inline-form"), UI.csrfField(page),
                            UI.hidden("service", service.id.uuidString.lowercased()),
                            .label(
                                .class("check"), .input(.type(.checkbox), .name("auto_renew"), .checked(service.autoRenew)),
                                .text(page.t("service.auto_renew"))),
                            UI.select(
                                label: page.t("autorenewal.method"), name: "method", options: options,
                                selected: service.savedMethodID?.uuidString.lowercased() ?? "balance"),
                            UI.submit(page.t("autorenewal.save"), style: "secondary"))))
            })
        return Layout.client(
            page, title: page.t("autorenewal.title"),
            content: .group(
                UI.alert(error),
                .p(.class("muted"), .text(page.t("autorenewal.intro"))),
                .if(
                    services.isEmpty, .p(.class("empty"), .text(page.t("services.none"))),
                    else:
                        .table(
                            .class("data cards"), .attribute(named: "data-testid", value: "autorenewal-list"),
                            .thead(
                                .tr(
                                    .th(.text(page.t("services.col.plan"))), .th(.text(page.t("services.col.name"))),
                                    .th(.text(page.t("services.col.expires"))), .th(.text(page.t("autorenewal.method"))))), rows))
            ))
    }

    static func autopay(
        _ page: PageContext, overview: Autopayments.Overview, saved: [SavedMethod], maximum: String?,
        error: String?
    ) -> HTML {
        let setting = overview.setting
        let current =
            maximum ?? setting.map { MoneyFormat.plain($0.monthlyMaximum) }
            ?? MoneyFormat.plain(overview.recommendedMaximum)
        let form: Node<HTML.BodyContext> = .form(
            .method(.post), .action(SiteURL.autopay.path), .class("stack widget widget-wide"), UI.csrfField(page),
            .label(
                .class("check"),
                .input(
                    .type(.checkbox), .name("enabled"), .checked(setting?.enabled ?? false),
                    .attribute(named: "data-testid", value: "autopay-enabled")),
                .text(page.t("autopay.enabled"))),
            UI.select(
                label: page.t("autorenewal.method"), name: "method",
                options: saved.map { (value: $0.id.uuidString.lowercased(), title: $0.name) },
                selected: setting?.savedMethodID.uuidString.lowercased()),
            UI.field(
                label: page.t("autopay.maximum"), name: "maximum", value: current,
                hint: page.t(
                    "autopay.recommended", ["forecast": page.money(overview.forecast), "amount": page.money(overview.recommendedMaximum)])),
            UI.submit(page.t("autorenewal.save")))
        return Layout.client(
            page, title: page.t("autopay.title"),
            content: .group(
                UI.alert(error),
                .p(.class("muted"), .text(page.t("autopay.intro"))),
                .p(
                    .attribute(named: "data-testid", value: "autopay-status"),
                    .span(
                        .class(setting?.enabled == true ? "tag tag-ok" : "tag tag-muted"),
                        .text(page.t(setting?.enabled == true ? "autopay.status_on" : "autopay.status_off")))),
                .p(
                    .attribute(named: "data-testid", value: "autopay-taken"),
                    .text(page.t("autopay.taken", ["amount": page.money(overview.takenThisMonth)]))),
                .if(
                    saved.isEmpty, .p(.class("empty"), .a(.href(SiteURL.savedMethods.path), .text(page.t("autopay.no_methods")))),
                    else: form)
            ))
    }
}

/// Pages that are not the client area: the sandbox gateway's page and the public pay link.
enum GatewayPages {
    static func sandbox(_ page: PageContext, session: SandboxGateway.Session, token: String, error: String?) -> HTML {
        let amount = session.amount.map(page.money) ?? ""
        let form: Node<HTML.BodyContext> = .form(
            .method(.post), .action("/sandbox-gateway/pay/\(token)"), .class("stack"), UI.csrfField(page),
            UI.field(
                label: page.t("sandbox.card"), name: "card", value: "4242 4242 4242 4242", autocomplete: "cc-number",
                hint: page.t("sandbox.cards_hint")),
            .div(
                .class("actions"),
                .button(
                    .type(.submit), .name("action"), .value("pay"), .class("btn btn-primary"),
                    .attribute(named: "data-testid", value: "sandbox-pay"),
                    .text(session.mode == .setup ? page.t("sandbox.save") : page.t("sandbox.pay", ["amount": amount]))),
                .button(.type(.submit), .name("action"), .value("fail"), .class("btn btn-secondary"), .text(page.t("sandbox.fail"))),
                .button(
                    .type(.submit), .name("action"), .value("abandon"), .class("btn btn-ghost"),
                    .attribute(named: "formnovalidate", value: "formnovalidate"),
                    .text(page.t("sandbox.abandon")))))
        return Layout.card(
            page, title: page.t("sandbox.title"),
            content: .group(
                UI.alert(error),
                .p(.class("muted small"), .text(page.t("sandbox.intro"))),
                .if(
                    session.mode == .payment,
                    .p(.class("big-amount"), .attribute(named: "data-testid", value: "sandbox-amount"), .text(amount))),
                .p(.text(session.description)),
                form))
    }

    static func payLink(
        _ page: PageContext, payment: Payment, method: PaymentMethod?, token: String, transfer: (seller: SellerDetails, clientCode: Int)?,
        error: String?
    ) -> HTML {
        let status = payment.status
        return Layout.card(
            page, title: page.t("invoice.title", ["number": String(payment.number)]),
            content: .group(
                UI.alert(error),
                .if(status.isUnpaid && payment.hasGatewaySession, .raw("<meta http-equiv=\"refresh\" content=\"5\">")),
                .p(.text(page.providerName)),
                .dl(
                    .class("facts"), .attribute(named: "data-testid", value: "paylink-invoice"),
                    .dt(.text(page.t("payments.col.status"))), .dd(PaymentPages.statusTag(page, payment.status)),
                    .dt(.text(page.t("payments.col.method"))), .dd(.text(method?.name ?? "—")),
                    .dt(.class("grand"), .text(page.t("payment.total"))),
                    .dd(
                        .class("grand"), .attribute(named: "data-testid", value: "paylink-total"),
                        .text(page.money(payment.total)))),
                .if(
                    status.isUnpaid,
                    .unwrap(method) { method in
                        .if(
                            method.kind.isGateway,
                            .form(
                                .method(.post), .action(SiteURL.payLink(.value(token)).path), UI.csrfField(page),
                                UI.submit(page.t("payment.pay"))),
                            else: .p(.class("muted"), .text(method.description(in: page.language))))
                    }),
                .unwrap(transfer) { transfer in
                    PaymentPages.bankTransfer(page, payment: payment, seller: transfer.seller, clientCode: transfer.clientCode)
                }))
    }
}
