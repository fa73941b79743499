import BillingDomain
import BillingEngine
import Foundation
import Plot

/// The pages of the client area.
enum ClientPages {
    /// What the dashboard shows beside the account and the balance.
    struct Home {
        /// Orders waiting for payment.
        var unpaid: [Order] = []
        /// Services whose paid period ends within two weeks.
        var expiring: [Service] = []
        /// No service and no order yet: the first steps are shown.
        var newcomer = false
    }

    static func dashboard(_ page: PageContext, home: Home = Home()) -> HTML {
        guard let header = page.client else { return Layout.client(page, title: "", content: .empty) }
        let account = header.summary.account
        let summary = header.summary
        return Layout.client(
            page, title: page.t("dashboard.title"),
            content: .div(
                .class("widgets"),
                .if(home.newcomer, firstSteps(page, summary: summary)),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "account-info"),
                    .h2(.text(page.t("dashboard.account_info"))),
                    .dl(
                        .class("facts"),
                        .dt(.text(page.t("dashboard.client_code"))), .dd(.text(String(account.clientCode))),
                        .dt(.text(page.t("dashboard.country"))), .dd(.text(Countries.name(account.country, in: page.language))),
                        .dt(.text(page.t("dashboard.registered"))), .dd(.text(account.registeredOn?.iso ?? "—")),
                        .dt(.text(page.t("dashboard.currency"))), .dd(.text(summary.currency.code)))),
                // The balance and the links only for a user whose rights open them (a sub-user
                // who may only see services sees no money).
                .if(
                    page.may(.balanceHistory),
                    .section(
                        .class("widget widget-balance"), .attribute(named: "data-testid", value: "balance-widget"),
                        .h2(.text(page.t("dashboard.balance"))),
                        .p(
                            .class(summary.balance.isNegative ? "big-amount negative" : "big-amount"),
                            .attribute(named: "data-testid", value: "dashboard-balance"), .text(page.money(summary.balance))),
                        .if(
                            summary.debt.isPositive,
                            .p(.class("debt-line"), .text(page.t("dashboard.debt", ["amount": page.money(summary.debt)])))),
                        .div(
                            .class("actions"),
                            .if(
                                page.may(.newPayment),
                                .a(
                                    .class("btn btn-primary"), .attribute(named: "data-testid", value: "dashboard-top-up"),
                                    .href(SiteURL.newPayment.path), UI.icon("plus"), .text(page.t("payments.top_up")))),
                            .a(
                                .class("btn btn-secondary"), .href(SiteURL.balanceHistory.path),
                                .text(page.t("dashboard.view_history")))))),
                .if(!home.unpaid.isEmpty, unpaidWidget(page, home.unpaid)),
                .if(!home.expiring.isEmpty, expiringWidget(page, home.expiring)),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "quick-access"),
                    .h2(.text(page.t("dashboard.quick_access"))),
                    .div(
                        .class("quick-grid"),
                        .forEach(quickLinks.filter { page.may($0.url) }) { link in
                            .a(.class("quick"), .href(link.url.path), UI.icon(link.icon), .span(.text(page.t(link.titleKey))))
                        }))
            ))
    }

    /// A newcomer's first steps: the currency (while it can still be chosen freely), a top-up,
    /// the first order.
    static func firstSteps(_ page: PageContext, summary: AccountSummary) -> Node<HTML.BodyContext> {
        .section(
            .class("widget widget-wide"), .attribute(named: "data-testid", value: "first-steps"),
            .h2(.text(page.t("dashboard.first.title"))),
            .ol(
                .class("steps"),
                .if(
                    page.maySend(.changeCurrency),
                    .li(
                        .p(.text(page.t("dashboard.first.currency", ["currency": summary.currency.code]))),
                        .form(
                            .method(.post), .action(SiteURL.changeCurrency.path), .class("inline-form"),
                            .attribute(named: "data-testid", value: "first-currency"),
                            UI.csrfField(page), UI.hidden("key", UUID().uuidString.lowercased()),
                            UI.hidden("back", SiteURL.dashboard.path),
                            UI.select(
                                label: page.t("balance.currency"), name: "currency",
                                options: Currency.all.map { (value: $0.code, title: $0.code) }, selected: summary.currency.code),
                            UI.submit(page.t("balance.change_currency"), style: "secondary")))),
                .if(
                    page.may(.newPayment),
                    .li(
                        .p(
                            .text(page.t("dashboard.first.top_up")), .text(" "),
                            .a(.href(SiteURL.newPayment.path), .text(page.t("payments.top_up")))))),
                .if(
                    page.may(.orderCatalog),
                    .li(
                        .p(
                            .text(page.t("dashboard.first.order")), .text(" "),
                            .a(.href(SiteURL.orderCatalog.path), .text(page.t("nav.order"))))))
            ))
    }

    static func unpaidWidget(_ page: PageContext, _ orders: [Order]) -> Node<HTML.BodyContext> {
        .section(
            .class("widget"), .attribute(named: "data-testid", value: "dashboard-unpaid"),
            .h2(.text(page.t("dashboard.unpaid"))),
            .ul(
                .class("plain-list"),
                .forEach(orders.prefix(5)) { order in
                    .li(
                        .attribute(named: "data-testid", value: "dashboard-unpaid-order"),
                        .a(.href(SiteURL.order(.value(order.id)).path), .text(page.t("dashboard.order", ["number": String(order.number)]))),
                        .text(" · "), .strong(.text(page.money(order.total))))
                }),
            .a(.class("btn btn-secondary"), .href(SiteURL.orders.path), .text(page.t("dashboard.to_orders"))))
    }

    static func expiringWidget(_ page: PageContext, _ services: [Service]) -> Node<HTML.BodyContext> {
        .section(
            .class("widget"), .attribute(named: "data-testid", value: "dashboard-expiring"),
            .h2(.text(page.t("dashboard.expiring"))),
            .ul(
                .class("plain-list"),
                .forEach(services) { service in
                    .li(
                        .attribute(named: "data-testid", value: "dashboard-expiring-service"),
                        .a(
                            .href(SiteURL.service(.value(service.id)).path),
                            .text(
                                "\(service.planName.text(in: page.language)) #\(service.number)"
                                    + (service.domainName.isEmpty ? "" : " · " + service.domainName))),
                        .text(" · "),
                        .span(
                            .text(
                                page.t(service.autoRenew ? "dashboard.renews_on" : "dashboard.expires_on", ["date": service.expiresOn.iso]))
                        ))
                }))
    }

    /// The dashboard's shortcuts.
    static let quickLinks: [(url: SiteURL, icon: String, titleKey: String)] = [
        (.orderCatalog, "plus", "nav.order"), (.services, "services", "nav.services"), (.expenses, "finance", "nav.expenses"),
        (.balanceHistory, "list", "nav.balance_history"), (.apiReference, "tools", "nav.api")
    ]

    static func balanceHistory(_ page: PageContext, movements: Page<Ledger.Movement>, error: String? = nil) -> HTML {
        Layout.client(
            page, title: page.t("balance.title"),
            content: .group(
                UI.alert(error),
                .unwrap(page.client) { header in
                    .div(
                        .class("balance-head"),
                        .p(.class("lead"), .text(page.t("balance.current")), .strong(.text(" " + page.money(header.summary.balance)))),
                        .form(
                            .method(.post), .action(SiteURL.changeCurrency.path), .class("inline-form"),
                            .attribute(named: "data-testid", value: "currency-form"),
                            .attribute(named: "data-confirm", value: page.t("balance.currency_confirm")),
                            UI.csrfField(page), UI.hidden("key", UUID().uuidString.lowercased()),
                            UI.select(
                                label: page.t("balance.currency"), name: "currency",
                                options: Currency.all.map { (value: $0.code, title: $0.code) }, selected: header.summary.currency.code),
                            UI.submit(page.t("balance.change_currency"), style: "secondary")),
                        .p(.class("muted small"), .text(page.t("balance.currency_hint"))))
                },
                LedgerTable.render(page, movements: movements, url: .balanceHistory)
            ))
    }
}

/// The table of balance movements, shared by the client's history and the staff's client card.
enum LedgerTable {
    static func render(_ page: PageContext, movements: Page<Ledger.Movement>, url: SiteURL) -> Node<HTML.BodyContext> {
        guard !movements.items.isEmpty else { return .p(.class("empty"), .text(page.t("balance.empty"))) }
        return .group(
            .table(
                .class("data cards"), .attribute(named: "data-testid", value: "ledger"),
                .thead(
                    .tr(
                        .th(.text(page.t("balance.col.date"))), .th(.text(page.t("balance.col.kind"))),
                        .th(.text(page.t("balance.col.memo"))), .th(.class("num"), .text(page.t("balance.col.amount"))))),
                .tbody(
                    .forEach(movements.items) { movement in
                        .tr(
                            .td(.text(page.dateTime(movement.date))),
                            .td(.span(.class("tag"), .text(page.t("ledger.kind." + movement.kind.rawValue)))),
                            .td(
                                .attribute(named: "data-testid", value: "ledger-memo"),
                                .text(movement.text.map { page.t($0.key, $0.arguments) } ?? movement.memo)),
                            .td(
                                .class(movement.amount.isNegative ? "num negative" : "num positive"),
                                .attribute(named: "data-testid", value: "ledger-amount"),
                                .text((movement.amount.isPositive ? "+" : "") + page.money(movement.amount))))
                    })),
            Pager.render(page, current: movements.request.number, pages: movements.pageCount) { url.path(["page": String($0)]) }
        )
    }
}

/// "← Previous · Page 2 of 5 · Next →"; `link` builds a page's address with the list's filters.
enum Pager {
    static func render(_ page: PageContext, current: Int, pages: Int, link: (Int) -> String) -> Node<HTML.BodyContext> {
        guard pages > 1 else { return .empty }
        return .nav(
            .class("pager"),
            .if(current > 1, .a(.href(link(current - 1)), .text("← " + page.t("pager.previous")))),
            .span(.text(page.t("pager.position", ["page": String(current), "pages": String(pages)]))),
            .if(current < pages, .a(.href(link(current + 1)), .text(page.t("pager.next") + " →"))))
    }
}
