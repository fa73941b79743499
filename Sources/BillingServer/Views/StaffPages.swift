import BillingDomain
import BillingEngine
import Foundation
import Plot

/// The pages of the staff area.
enum StaffPages {
    static func clientList(_ page: PageContext, query: String, results: Page<Account>) -> HTML {
        Layout.staff(
            page, title: page.t("admin.clients.title"),
            content: .group(
                .form(
                    .class("search"), .method(.get), .action(SiteURL.staff(.clients).path),
                    .input(
                        .type(.search), .name("q"), .value(UI.escape(query)), .placeholder(page.t("admin.clients.search_placeholder")),
                        .attribute(named: "aria-label", value: page.t("admin.clients.search_placeholder"))),
                    .button(.type(.submit), .class("btn btn-secondary"), UI.icon("search"), .text(page.t("admin.clients.search")))),
                .p(.class("muted"), .text(page.t("admin.clients.count", ["count": String(results.total)]))),
                .if(
                    results.items.isEmpty, .p(.class("empty"), .text(page.t("admin.clients.none"))),
                    else:
                        .table(
                            .class("data cards"), .attribute(named: "data-testid", value: "client-list"),
                            .thead(
                                .tr(
                                    .th(.text(page.t("dashboard.client_code"))), .th(.text(page.t("field.name"))),
                                    .th(.text(page.t("dashboard.country"))), .th(.text(page.t("dashboard.registered"))),
                                    .th(.text(page.t("admin.clients.status"))))),
                            .tbody(
                                .forEach(results.items) { account in
                                    .tr(
                                        .td(
                                            .a(
                                                .href(SiteURL.staff(.client(.value(account.id))).path),
                                                .text(String(account.clientCode)))),
                                        .td(.a(.href(SiteURL.staff(.client(.value(account.id))).path), .text(account.name))),
                                        .td(.text(account.country)),
                                        .td(.text(account.registeredOn?.iso ?? "—")),
                                        .td(.span(.class("tag"), .text(page.t("account.status." + account.status.rawValue)))))
                                }))),
                Pager.render(page, current: results.request.number, pages: results.pageCount) {
                    SiteURL.staff(.clients).path(["q": query, "page": String($0)])
                }
            ))
    }

    struct ClientCard {
        let summary: AccountSummary
        let users: [ClientUser]
        /// The account's services (the first page), when the member may see services.
        let services: [Service]?
        /// The latest orders and invoices, when the member may see payments.
        let orders: [Order]?
        let payments: [Payment]?
        let movements: Page<Ledger.Movement>
        let adjustmentKey: String
        let error: String?
        let amountText: String
        let reasonText: String
    }

    static func clientOrders(_ page: PageContext, _ orders: [Order]) -> Node<HTML.BodyContext> {
        .section(
            .class("widget widget-wide"), .attribute(named: "data-testid", value: "staff-client-orders"),
            .h2(.text(page.t("orders.title"))),
            .if(
                orders.isEmpty, .p(.class("empty"), .text(page.t("admin.client.no_orders"))),
                else: .table(
                    .class("data cards"),
                    .thead(
                        .tr(
                            .th(.text(page.t("admin.client.order"))), .th(.text(page.t("payments.col.date"))),
                            .th(.text(page.t("payments.col.status"))), .th(.class("num"), .text(page.t("payment.total"))))),
                    .tbody(
                        .forEach(orders) { order in
                            .tr(
                                .attribute(named: "data-testid", value: "staff-client-order"),
                                .td(.text("#\(order.number)")), .td(.text(page.dateTime(order.paidAt ?? order.createdAt))),
                                .td(.text(page.t("orders.status." + order.status.rawValue))),
                                .td(.class("num"), .text(page.money(order.total))))
                        }))))
    }

    static func clientPayments(_ page: PageContext, _ payments: [Payment]) -> Node<HTML.BodyContext> {
        .section(
            .class("widget widget-wide"), .attribute(named: "data-testid", value: "staff-client-payments"),
            .h2(.text(page.t("admin.client.invoices"))),
            .if(
                payments.isEmpty, .p(.class("empty"), .text(page.t("admin.client.no_invoices"))),
                else: .table(
                    .class("data cards"),
                    .thead(
                        .tr(
                            .th(.text(page.t("admin.client.invoice"))), .th(.text(page.t("payments.col.date"))),
                            .th(.text(page.t("payments.col.method"))), .th(.text(page.t("payments.col.status"))),
                            .th(.class("num"), .text(page.t("payment.total"))))),
                    .tbody(
                        .forEach(payments) { payment in
                            .tr(
                                .attribute(named: "data-testid", value: "staff-client-payment"),
                                .td(.a(.href(SiteURL.staff(.payment(.value(payment.id))).path), .text("#\(payment.number)"))),
                                .td(.text(page.dateTime(payment.createdAt))),
                                .td(.text(page.t("payment.kind." + payment.channel.rawValue))),
                                .td(PaymentPages.statusTag(page, payment.status)), .td(.class("num"), .text(page.money(payment.total))))
                        }))))
    }

    static func clientCard(_ page: PageContext, card: ClientCard) -> HTML {
        let account = card.summary.account
        return Layout.staff(
            page, title: page.t("admin.client.title", ["code": String(account.clientCode), "name": account.name]),
            content: .div(
                .class("widgets"),
                .section(
                    .class("widget"),
                    .h2(.text(page.t("dashboard.account_info"))),
                    .dl(
                        .class("facts"),
                        .dt(.text(page.t("dashboard.client_code"))), .dd(.text(String(account.clientCode))),
                        .dt(.text(page.t("field.name"))), .dd(.text(account.name)),
                        .dt(.text(page.t("dashboard.country"))), .dd(.text(Countries.name(account.country, in: page.language))),
                        .dt(.text(page.t("dashboard.registered"))), .dd(.text(account.registeredOn?.iso ?? "—")),
                        .dt(.text(page.t("dashboard.currency"))), .dd(.text(account.currency.code)),
                        .dt(.text(page.t("admin.clients.status"))), .dd(.text(page.t("account.status." + account.status.rawValue))))),
                .section(
                    .class("widget widget-balance"), .attribute(named: "data-testid", value: "staff-balance"),
                    .h2(.text(page.t("admin.client.balance"))),
                    .p(
                        .class(card.summary.balance.isNegative ? "big-amount negative" : "big-amount"),
                        .text(page.money(card.summary.balance))),
                    .if(
                        page.maySend(.staff(.clientAdjust(.value(account.id)))),
                        .form(
                            .method(.post), .action(SiteURL.staff(.clientAdjust(.value(account.id))).path), .class("stack"),
                            .attribute(named: "data-testid", value: "adjust-form"),
                            UI.csrfField(page),
                            UI.hidden("key", card.adjustmentKey),
                            .h3(.text(page.t("admin.adjust.title"))),
                            UI.alert(card.error),
                            UI.field(
                                label: page.t("admin.adjust.amount", ["currency": account.currency.code]), name: "amount",
                                value: card.amountText, hint: page.t("admin.adjust.amount_hint")),
                            UI.field(label: page.t("admin.adjust.reason"), name: "reason", value: card.reasonText),
                            UI.submit(page.t("admin.adjust.submit"))))),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "code-word-check"),
                    .h2(.text(page.t("admin.code_word.title"))),
                    .p(.class("muted"), .text(page.t("admin.code_word.hint"))),
                    .form(
                        .method(.post), .action(SiteURL.staff(.clientCodeWord(.value(account.id))).path), .class("inline-form"),
                        UI.csrfField(page),
                        .input(
                            .type(.text), .name("word"), .required(true), .attribute(named: "autocomplete", value: "off"),
                            .attribute(named: "aria-label", value: page.t("admin.code_word.given"))),
                        UI.submit(page.t("admin.code_word.check"), style: "secondary"))),
                .section(
                    .class("widget widget-wide"),
                    .h2(.text(page.t("admin.client.users"))),
                    .table(
                        .class("data"),
                        .thead(
                            .tr(
                                .th(.text(page.t("field.email"))), .th(.text(page.t("field.name"))),
                                .th(.text(page.t("admin.client.role"))), .th(.text(page.t("admin.client.last_login"))))),
                        .tbody(
                            .forEach(card.users) { user in
                                .tr(
                                    .td(.text(user.email)), .td(.text(user.name)),
                                    .td(
                                        .text(
                                            page.t(user.isOwner ? "admin.client.owner" : "admin.client.user")
                                                + (user.enabled ? "" : " · " + page.t("admin.client.disabled")))),
                                    .td(.text(user.lastLoginAt.map { page.dateTime($0) } ?? "—")))
                            }))),
                .unwrap(card.services) { services in
                    .section(
                        .class("widget widget-wide"), .attribute(named: "data-testid", value: "staff-client-services"),
                        .h2(.text(page.t("services.title"))),
                        .if(
                            services.isEmpty, .p(.class("empty"), .text(page.t("services.none"))),
                            else: .table(
                                .class("data cards"),
                                .thead(
                                    .tr(
                                        .th(.text(page.t("services.col.plan"))), .th(.text(page.t("services.col.name"))),
                                        .th(.text(page.t("services.col.status"))), .th(.text(page.t("services.col.expires"))))),
                                .tbody(
                                    .forEach(services) { service in
                                        .tr(
                                            .attribute(named: "data-testid", value: "staff-client-service"),
                                            .td(
                                                .attribute(named: "data-label", value: page.t("services.col.plan")),
                                                .a(
                                                    .href(SiteURL.staff(.service(.value(service.id))).path),
                                                    .text("\(service.planName.text(in: page.language)) #\(service.number)"))),
                                            .td(
                                                .attribute(named: "data-label", value: page.t("services.col.name")),
                                                .text(service.domainName)),
                                            .td(
                                                .attribute(named: "data-label", value: page.t("services.col.status")),
                                                ServicePages.statusTag(page, service.status)),
                                            .td(
                                                .attribute(named: "data-label", value: page.t("services.col.expires")),
                                                .text(service.expiresOn.iso)))
                                    }))))
                },
                .unwrap(card.orders) { orders in clientOrders(page, orders) },
                .unwrap(card.payments) { payments in clientPayments(page, payments) },
                .section(
                    .class("widget widget-wide"),
                    .h2(.text(page.t("balance.title"))),
                    LedgerTable.render(page, movements: card.movements, url: .staff(.client(.value(account.id)))))
            ))
    }

    static func outbox(_ page: PageContext, messages: [OutboxMessage], delivering: Bool, showsBodies: Bool) -> HTML {
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("muted"), .text(page.t(delivering ? "outbox.lead_smtp" : "outbox.lead"))),
            .if(
                messages.isEmpty, .p(.class("empty"), .text(page.t("outbox.empty"))),
                else:
                    .div(
                        .class("outbox"),
                        .forEach(messages) { message in
                            .article(
                                .class("mail"), .attribute(named: "data-testid", value: "outbox-message"),
                                .p(
                                    .class("muted"),
                                    .text("\(page.dateTime(message.createdAt)) · \(message.recipient) · \(message.category.rawValue) · "),
                                    .span(
                                        .class(
                                            message.status == .sent ? "tag tag-ok" : (message.status == .failed ? "tag tag-bad" : "tag")),
                                        .attribute(named: "data-testid", value: "outbox-status"), .text(message.status.rawValue)),
                                    .if(message.attempts > 0, .text(" · " + page.t("outbox.attempts", ["count": String(message.attempts)])))
                                ),
                                .unwrap(message.lastError) { error in .p(.class("alert alert-error small"), .text(error)) },
                                .if(
                                    message.status == .failed,
                                    .form(
                                        .method(.post), .action(SiteURL.staff(.outboxRetry(.value(message.id))).path),
                                        UI.csrfField(page),
                                        UI.submit(page.t("outbox.retry"), style: "secondary"))),
                                .h3(.text(message.subject)),
                                .if(
                                    showsBodies, .pre(.attribute(named: "data-testid", value: "outbox-body"), .text(message.body)),
                                    else: .p(.class("muted small"), .text(page.t("outbox.body_hidden")))))
                        }))
        )
        return Layout.staff(page, title: page.t("outbox.title"), content: content)
    }

    static func sms(_ page: PageContext, messages: [SMSOutboxMessage], channel: String?, showsTexts: Bool) -> HTML {
        let lead =
            switch channel {
            case nil: page.t("sms.lead_none")
            case "development": page.t("sms.lead_development")
            case let name?: page.t("sms.lead_provider", ["name": name])
            }
        let content: Node<HTML.BodyContext> = .group(
            .p(.class("muted"), .attribute(named: "data-testid", value: "sms-lead"), .text(lead)),
            .if(
                messages.isEmpty, .p(.class("empty"), .text(page.t("sms.empty"))),
                else: .div(
                    .class("outbox"),
                    .forEach(messages) { message in
                        .article(
                            .class("mail"), .attribute(named: "data-testid", value: "sms-message"),
                            .p(
                                .class("muted"),
                                .text("\(page.dateTime(message.createdAt)) · "),
                                .span(.attribute(named: "data-testid", value: "sms-recipient"), .text(message.recipient)),
                                .text(" · "),
                                .span(
                                    .class(message.status == .sent ? "tag tag-ok" : (message.status == .failed ? "tag tag-bad" : "tag")),
                                    .attribute(named: "data-testid", value: "sms-status"), .text(message.status.rawValue)),
                                .if(message.attempts > 0, .text(" · " + page.t("outbox.attempts", ["count": String(message.attempts)])))),
                            .unwrap(message.lastError) { error in .p(.class("alert alert-error small"), .text(error)) },
                            .if(
                                showsTexts,
                                .pre(
                                    .attribute(named: "data-testid", value: "sms-text"),
                                    .text(message.deliveredText ?? message.body)),
                                else: .p(.class("muted small"), .text(page.t("outbox.body_hidden")))))
                    }))
        )
        return Layout.staff(page, title: page.t("sms.title"), content: content)
    }
}
