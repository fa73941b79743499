import BillingDomain
import BillingEngine
import Foundation
import Plot

/// Ordering pages: the catalog, the configuration form with its server-side quote, the cart and
/// the orders (CAT-2..4).
enum OrderPages {
    static func typeTabs(_ page: PageContext, current: ProductType?, base: String, allKey: String? = nil) -> Node<HTML.BodyContext> {
        .nav(
            .class("tabs"), .attribute(named: "aria-label", value: page.t("order.types")),
            .unwrap(allKey) { key in .a(.href(base), .class(current == nil ? "tab active" : "tab"), .text(page.t(key))) },
            .forEach(ProductType.allCases) { type in
                .a(
                    .href("\(base)?type=\(type.rawValue)"), .class(current == type ? "tab active" : "tab"),
                    .text(page.t("product_type." + type.rawValue)))
            })
    }

    static func priceNote(_ page: PageContext, taxMode: TaxMode, rate: TaxRate) -> String {
        rate.isZero ? page.t("tax.none") : page.t("tax.\(taxMode.rawValue)", ["rate": rate.description])
    }

    static func catalog(_ page: PageContext, type: ProductType, offers: [PlanOffer], taxMode: TaxMode, taxRate: TaxRate) -> HTML {
        Layout.client(
            page, title: page.t("order.title"),
            content: .group(
                typeTabs(page, current: type, base: SiteURL.orderCatalog.path),
                .p(.class("muted"), .text(priceNote(page, taxMode: taxMode, rate: taxRate))),
                .if(
                    offers.isEmpty, .p(.class("empty"), .text(page.t("order.no_plans"))),
                    else:
                        .div(
                            .class("plans"),
                            .forEach(offers) { offer in
                                .article(
                                    .class("plan-card"), .attribute(named: "data-testid", value: "plan-card"),
                                    .h2(.text(offer.plan.name(in: page.language))),
                                    .unwrap(offer.periods.first.flatMap { period in offer.prices[period].map { (period, $0) } }) {
                                        period, price in
                                        .p(
                                            .class("plan-price"),
                                            .if(
                                                offer.plan.trialDays > 0,
                                                .span(
                                                    .class("tag tag-ok"),
                                                    .text(page.t("order.trial_days", ["days": String(offer.plan.trialDays)])))),
                                            .strong(.attribute(named: "data-testid", value: "plan-price"), .text(page.money(price))),
                                            .span(.class("muted"), .text(" / " + page.t("period.per." + period.rawValue))))
                                    },
                                    .p(.class("muted"), .text(offer.plan.summary(in: page.language))),
                                    .ul(
                                        .class("plan-facts"),
                                        .forEach(offer.addons.filter { $0.limits.included > 0 }) { addon in
                                            .li(
                                                .text(
                                                    "\(addon.addon.name(in: page.language)): \(UI.quantity(addon.limits.included, addon.kind, page))"
                                                ))
                                        }),
                                    .div(
                                        .class("actions"),
                                        .a(
                                            .class("btn btn-primary"), .href(SiteURL.orderPlan(.value(offer.id)).path),
                                            .text(page.t("order.choose"))),
                                        // A server in one click: the plan's defaults into the cart, its
                                        // name asked once it is paid (CAT-4).
                                        .if(
                                            offer.productType.hasServer && offer.isOrderable,
                                            .form(
                                                .method(.post), .action(SiteURL.orderQuick(.value(offer.id)).path),
                                                .attribute(named: "data-testid", value: "quick-order"), UI.csrfField(page),
                                                UI.submit(page.t("order.quick"), style: "secondary")))))
                            }))
            ))
    }

    /// "You already ordered this a few minutes ago": the earlier order, and the same form again
    /// with `repeat=confirmed` for a client who does want a second one.
    static func confirmRepeat(_ page: PageContext, offer: PlanOffer, earlier: Order, form: [String: String]) -> HTML {
        // Only the order form's own fields go back (an add-on's field names its id), never
        // arbitrary names from the request.
        let own: Set<String> = ["period", "domain", "os", "promo", "action", "item"]
        let fields = form.filter { key, _ in
            own.contains(key) || (key.hasPrefix("addon.") && UUID(uuidString: String(key.dropFirst(6))) != nil)
        }.sorted { $0.key < $1.key }
        let plan = offer.plan.name(in: page.language)
        return Layout.client(
            page, title: page.t("order.repeat.title"),
            content: .section(
                .class("widget widget-wide"), .attribute(named: "data-testid", value: "repeat-purchase"),
                .p(
                    .class("alert alert-info"), .attribute(named: "data-testid", value: "repeat-purchase-text"),
                    .text(
                        page.t(
                            "order.repeat.text",
                            [
                                "plan": plan, "time": page.dateTime(earlier.createdAt), "number": String(earlier.number),
                                "status": page.t("order.repeat.status." + earlier.status.rawValue)
                            ]))),
                .div(
                    .class("actions"),
                    .form(
                        .method(.post), .action(SiteURL.orderPlan(.value(offer.id)).path), UI.csrfField(page),
                        .forEach(fields) { UI.hidden($0.key, $0.value) }, UI.hidden("repeat", "confirmed"),
                        .attribute(named: "data-testid", value: "repeat-confirm"),
                        UI.submit(page.t("order.repeat.confirm", ["plan": plan]))),
                    .a(
                        .class("btn btn-secondary"), .href(SiteURL.order(.value(earlier.id)).path),
                        .text(page.t("order.repeat.open", ["number": String(earlier.number)]))))))
    }

    static func configure(
        _ page: PageContext, offer: PlanOffer, configuration: OrderConfiguration, priced: PricedConfiguration?,
        error: String?, itemID: UUID?
    ) -> HTML {
        let action = SiteURL.orderPlan(.value(offer.id)).path
        let periodOptions = offer.periods.map {
            (value: $0.rawValue, title: "\(page.t("period." + $0.rawValue)) — \(page.money(offer.prices[$0]!))")
        }
        let form: Node<HTML.BodyContext> = .form(
            .method(.post), .action(action), .class("stack order-form"),
            .attribute(named: "data-testid", value: "order-form"),
            UI.csrfField(page),
            .unwrap(itemID) { UI.hidden("item", $0.uuidString.lowercased()) },
            UI.alert(error),
            UI.select(label: page.t("order.period"), name: "period", options: periodOptions, selected: configuration.period.rawValue),
            .if(
                offer.productType.asksForDomainName,
                UI.field(
                    label: page.t(offer.productType == .domain || offer.productType == .ssl ? "order.domain" : "order.hostname"),
                    name: "domain", value: configuration.domainName, hint: page.t("order.hostname_hint"))),
            .if(
                !offer.plan.osList.isEmpty,
                UI.select(
                    label: page.t("order.os"), name: "os", options: offer.plan.osList.map { (value: $0, title: $0) },
                    selected: configuration.osImage)),
            .if(
                !offer.addons.isEmpty,
                .div(
                    .class("addons"),
                    .h3(.text(page.t("order.resources"))),
                    .forEach(offer.addons) { addon in
                        let value = configuration.addons[addon.id] ?? addon.limits.included
                        let unitPrice = addon.unitPrices[configuration.period]
                        return .div(
                            .class("field addon"),
                            .label(
                                .for("f-addon-\(addon.id.uuidString.lowercased())"),
                                .text("\(addon.addon.name(in: page.language)), \(page.t(addon.kind.unitKey))")),
                            .input(
                                .type(.number), .name("addon.\(addon.id.uuidString.lowercased())"),
                                .id("f-addon-\(addon.id.uuidString.lowercased())"),
                                .value(String(value)), .attribute(named: "min", value: String(addon.limits.minimum)),
                                .attribute(named: "max", value: String(addon.limits.maximum)),
                                .attribute(named: "step", value: String(addon.limits.step))),
                            .p(
                                .class("hint"),
                                .text(
                                    page.t(
                                        "order.addon_hint",
                                        [
                                            "included": String(addon.limits.included), "min": String(addon.limits.minimum),
                                            "max": String(addon.limits.maximum),
                                            "step": String(addon.limits.step),
                                            "price": unitPrice.map { MoneyFormat.precise($0) + " " + $0.currency.code } ?? "—"
                                        ]))))
                    })),
            .if(
                offer.plan.trialDays > 0,
                .div(
                    .class("field check"),
                    .input(
                        .type(.checkbox), .name("trial"), .id("f-trial"),
                        .attribute(named: "checked", value: configuration.trial ? "checked" : nil)),
                    .label(.for("f-trial"), .text(page.t("order.use_trial", ["days": String(offer.plan.trialDays)]))))),
            UI.field(label: page.t("order.promo"), name: "promo", value: configuration.promoCode ?? "", required: false),
            .unwrap(priced) { priced in
                .p(
                    .class("due-now-inline phone-only"), .attribute(named: "data-testid", value: "due-now-inline"),
                    .text(page.t("cart.due_now") + ": " + page.money(priced.quote.dueNow.gross)))
            },
            .div(
                .class("actions"),
                .button(.type(.submit), .name("action"), .value("quote"), .class("btn btn-secondary"), .text(page.t("order.recalculate"))),
                .button(
                    .type(.submit), .name("action"), .value("cart"), .class("btn btn-secondary"),
                    .text(page.t(itemID == nil ? "order.to_cart" : "order.save_cart"))),
                .if(
                    itemID == nil,
                    .button(.type(.submit), .name("action"), .value("pay"), .class("btn btn-primary"), .text(page.t("order.pay_now"))))),
            .p(.class("muted small"), .text(page.t("order.method_fixed")))
        )
        return Layout.client(
            page, title: page.t("order.configure", ["plan": offer.plan.name(in: page.language)]),
            content: .div(
                .class("order-layout"),
                .section(.class("widget"), .p(.class("muted"), .text(offer.plan.summary(in: page.language))), form),
                .section(
                    .class("widget quote"), .attribute(named: "data-testid", value: "quote"),
                    .h2(.text(page.t("order.summary"))),
                    .unwrap(
                        priced, { quoteTable(page, $0.quote, offer: $0.offer) },
                        else: .p(.class("muted"), .text(page.t("order.fix_errors")))))
            ))
    }

    /// The cart's details table of seed 002: service, value, price until the date, next period; then the totals.
    /// `offer` names the lines in the page's language and writes sizes people read (4 GiB).
    static func quoteTable(_ page: PageContext, _ quote: Quote, offer: PlanOffer? = nil) -> Node<HTML.BodyContext> {
        let addons = Dictionary(uniqueKeysWithValues: (offer?.addons ?? []).map { ($0.id.uuidString.lowercased(), $0) })
        func name(_ line: QuoteLine) -> String {
            if line.key == "plan", let offer { return offer.plan.name(in: page.language) }
            return addons[line.key]?.addon.name(in: page.language) ?? line.name
        }
        func value(_ line: QuoteLine) -> String {
            guard let quantity = line.quantity else { return page.t("cart.base") }
            return addons[line.key].map { UI.quantity(quantity, $0.kind, page) } ?? String(quantity)
        }
        return .group(
            .table(
                .class("data compact"),
                .thead(
                    .tr(
                        .th(.text(page.t("cart.col.service"))), .th(.text(page.t("cart.col.value"))),
                        .th(
                            .class("num"),
                            .text(
                                quote.isTrial
                                    ? page.t("cart.col.trial_until", ["date": quote.firstPeriodEnds.iso])
                                    : page.t("cart.col.until", ["date": quote.firstPeriodEnds.iso]))),
                        .th(.class("num"), .text(page.t("cart.col.next", ["period": page.t("period." + quote.period.rawValue)]))))),
                .tbody(
                    .forEach(quote.lines) { line in
                        .tr(
                            .td(.text(name(line))),
                            .td(.text(value(line))),
                            .td(.class("num"), .text(page.money(line.firstPeriod))),
                            .td(.class("num"), .text(page.money(line.perPeriod))))
                    })),
            .dl(
                .class("totals"),
                .if(quote.discount.isPositive, .group(.dt(.text(page.t("cart.discount"))), .dd(.text("−" + page.money(quote.discount))))),
                .dt(.text(page.t("cart.tax", ["rate": quote.dueNow.rate.description]))), .dd(.text(page.money(quote.dueNow.tax))),
                .dt(.class("grand"), .text(page.t("cart.due_now"))),
                .dd(.class("grand"), .attribute(named: "data-testid", value: "due-now"), .text(page.money(quote.dueNow.gross))),
                .dt(.text(page.t("cart.then", ["period": page.t("period." + quote.period.rawValue)]))),
                .dd(.text(page.money(quote.perPeriod.gross))))
        )
    }

    static func cart(_ page: PageContext, lines: [CartLine], methods: [(value: String, title: String)], error: String?) -> HTML {
        let due = lines.compactMap { $0.priced?.quote.dueNow.gross }
        let tax = lines.compactMap { $0.priced?.quote.dueNow.tax }
        let currency = page.client?.summary.currency ?? page.defaultCurrency
        return Layout.client(
            page, title: page.t("cart.title"),
            content: .group(
                UI.alert(error),
                .if(
                    lines.isEmpty, .p(.class("empty"), .text(page.t("cart.empty"))),
                    else: .div(
                        .class("cart-layout"),
                        .div(
                            .class("cart-items"),
                            .forEach(lines) { line in
                                .article(
                                    .class("widget cart-item"), .attribute(named: "data-testid", value: "cart-item"),
                                    .div(
                                        .class("cart-head"),
                                        .h2(.text(line.priced?.offer.plan.name(in: page.language) ?? page.t("cart.unavailable"))),
                                        .unwrap(line.priced) { .strong(.class("big-amount"), .text(page.money($0.quote.dueNow.gross))) }),
                                    .p(
                                        .class("muted"),
                                        .text(
                                            [
                                                line.item.quick && line.item.domainName.isEmpty
                                                    ? page.t("cart.quick_order") : line.item.domainName,
                                                line.item.osImage,
                                                line.item.promoCode.map { page.t("cart.promo_applied", ["code": $0]) } ?? ""
                                            ]
                                            .filter { !$0.isEmpty }.joined(separator: " · "))),
                                    .unwrap(line.problem) { UI.alert(page.message($0)) },
                                    .unwrap(line.priced) { quoteTable(page, $0.quote, offer: $0.offer) },
                                    .div(
                                        .class("actions"),
                                        .a(
                                            .class("btn btn-ghost"),
                                            .href(
                                                SiteURL.orderPlan(.value(line.item.planID)).path([
                                                    "item": line.item.id.uuidString.lowercased()
                                                ])
                                            ),
                                            .text(page.t("cart.edit"))),
                                        .form(
                                            .method(.post), .action(SiteURL.cartItemRemove(.value(line.item.id)).path),
                                            UI.csrfField(page),
                                            .button(.type(.submit), .class("btn btn-ghost"), .text(page.t("cart.remove"))))))
                            }),
                        .aside(
                            .class("widget cart-summary"),
                            .h2(.text(page.t("cart.summary"))),
                            .dl(
                                .class("totals"),
                                .dt(.text(page.t("cart.items"))), .dd(.text(String(lines.count))),
                                .dt(.text(page.t("cart.tax_total"))), .dd(.text(page.money(Money.sum(tax, currency: currency)))),
                                .dt(.class("grand"), .text(page.t("cart.total"))),
                                .dd(
                                    .class("grand"), .attribute(named: "data-testid", value: "cart-total"),
                                    .text(page.money(Money.sum(due, currency: currency))))),
                            .form(
                                .method(.post), .action(SiteURL.cartCheckout.path), UI.csrfField(page),
                                UI.select(
                                    label: page.t("cart.payment_method"), name: "method",
                                    options: [(value: "balance", title: page.t("payment.method.balance"))] + methods, selected: "balance"),
                                .p(.class("muted small"), .text(page.t("order.method_fixed"))),
                                UI.submit(page.t("cart.checkout"))),
                            .form(
                                .method(.post), .action(SiteURL.cartPromo.path), .class("inline-form"), UI.csrfField(page),
                                UI.field(label: page.t("order.promo"), name: "code", required: true),
                                UI.submit(page.t("cart.apply_promo"), style: "secondary")),
                            .a(.class("btn btn-ghost"), .href(SiteURL.orderCatalog.path), .text(page.t("cart.continue"))))
                    ))
            ))
    }

    /// One order's page: what was ordered, for how much, how it is paid, and its payments.
    static func order(_ page: PageContext, detail: Orders.Detail, methodName: String?) -> HTML {
        let order = detail.order
        let pending = order.status == .pending
        let facts: Node<HTML.BodyContext> = .dl(
            .class("facts"),
            .dt(.text(page.t("orders.col.status"))),
            .dd(
                .attribute(named: "data-testid", value: "order-status"),
                .span(
                    .class(pending ? "tag tag-warn" : (order.status == .paid ? "tag tag-ok" : "tag tag-muted")),
                    .text(page.t("orders.status." + order.status.rawValue)))),
            .dt(.text(page.t("orders.col.date"))), .dd(.text(page.dateTime(order.createdAt))),
            .unwrap(order.paidAt) { .group(.dt(.text(page.t("orders.paid_at"))), .dd(.text(page.dateTime($0)))) },
            .dt(.text(page.t("orders.col.method"))),
            .dd(.attribute(named: "data-testid", value: "order-method"), .text(methodName ?? page.t("payment.method.balance"))),
            .dt(.text(page.t("orders.tax"))),
            .dd(.text(page.money(order.tax))),
            .dt(.class("grand"), .text(page.t("orders.col.total"))),
            .dd(
                .class("grand"), .attribute(named: "data-testid", value: "order-total"),
                .text(page.money(order.total))))
        let items: Node<HTML.BodyContext> = .table(
            .class("data cards"), .attribute(named: "data-testid", value: "order-items"),
            .thead(
                .tr(
                    .th(.text(page.t("cart.col.service"))), .th(.text(page.t("services.col.name"))), .th(.text(page.t("order.period"))),
                    .th(.class("num"), .text(page.t("orders.col.total"))))),
            .tbody(
                .forEach(detail.items) { entry in
                    .tr(
                        .td(
                            .text(
                                (entry.item.kind == .renewal ? page.t("orders.renewal") + " · " : "")
                                    + (entry.planName?.text(in: page.language) ?? "—"))),
                        .td(.text(entry.item.domainName.isEmpty ? "—" : entry.item.domainName)),
                        .td(.text(page.t("period." + entry.item.period.rawValue))),
                        .td(.class("num"), .text(page.money(entry.item.amount))))
                }))
        let payments: Node<HTML.BodyContext> = .if(
            !detail.payments.isEmpty,
            .section(
                .class("widget widget-wide"),
                .h2(.text(page.t("nav.payments"))),
                .table(
                    .class("data cards"), .attribute(named: "data-testid", value: "order-payments"),
                    .tbody(
                        .forEach(detail.payments) { payment in
                            .tr(
                                .td(.a(.href(SiteURL.payment(.value(payment.id)).path), .text("#\(payment.number)"))),
                                .td(.text(page.dateTime(payment.createdAt))),
                                .td(.text(page.t("payment.status." + payment.status.rawValue))),
                                .td(.class("num"), .text(page.money(payment.total))))
                        }))))
        return Layout.client(
            page, title: page.t("orders.order_title", ["number": String(order.number)]),
            content: .group(
                .div(
                    .class("cart-layout"),
                    .section(.class("widget"), items),
                    .aside(
                        .class("widget cart-summary"), facts,
                        .if(
                            pending,
                            .div(
                                .class("actions"),
                                .form(
                                    .method(.post), .action(SiteURL.orderPay(.value(order.id)).path), UI.csrfField(page),
                                    UI.submit(methodName.map { page.t("orders.pay_with", ["method": $0]) } ?? page.t("orders.pay"))),
                                .form(
                                    .method(.post), .action(SiteURL.orderCancel(.value(order.id)).path), UI.csrfField(page),
                                    .button(.type(.submit), .class("btn btn-ghost"), .text(page.t("orders.cancel")))))))),
                payments,
                .p(.a(.href(SiteURL.orders.path), .text(page.t("orders.back"))))))
    }

    /// `methods`: payment method names by id, for the method each order was checked out with (CAT-5).
    static func orders(
        _ page: PageContext, pending: [Order], paid: [Order], items: [UUID: [OrderItem]],
        methods: [UUID: String], error: String?
    ) -> HTML {
        func method(_ order: Order) -> String {
            switch order.method {
            case .balance: page.t("payment.method.balance")
            case .method(let id): methods[id] ?? "—"
            }
        }
        func table(_ orders: [Order], pending: Bool) -> Node<HTML.BodyContext> {
            .if(
                orders.isEmpty, .p(.class("empty"), .text(page.t(pending ? "orders.none_pending" : "orders.none_paid"))),
                else:
                    .table(
                        .class("data cards"), .attribute(named: "data-testid", value: pending ? "orders-pending" : "orders-paid"),
                        .thead(
                            .tr(
                                .th(.text(page.t("orders.col.number"))), .th(.text(page.t("orders.col.date"))),
                                .th(.text(page.t("orders.col.items"))), .th(.text(page.t("orders.col.method"))),
                                .th(.class("num"), .text(page.t("orders.col.total"))), .th())),
                        .tbody(
                            .forEach(orders) { order in
                                let names = (items[order.id] ?? []).map { item in
                                    (item.kind == .renewal ? page.t("orders.renewal") + " " : "")
                                        + (item.domainName.isEmpty ? "" : item.domainName)
                                }.filter { !$0.isEmpty }.joined(separator: ", ")
                                let shortfall = page.client?.summary.spending.shortfall(for: order.total) ?? .zero(order.currency)
                                let needsTopUp = order.isPayableFromBalance && shortfall.isPositive
                                return .tr(
                                    .td(.a(.href(SiteURL.order(.value(order.id)).path), .text("#\(order.number)"))),
                                    .td(.text(page.dateTime(order.paidAt ?? order.createdAt))),
                                    .td(.text("\((items[order.id] ?? []).count) · \(names)")), .td(.text(method(order))),
                                    .td(
                                        .class("num"), .attribute(named: "data-testid", value: "orders-row-total"),
                                        .text(page.money(order.total))),
                                    .td(
                                        .class("actions"),
                                        .if(
                                            pending,
                                            .group(
                                                .if(
                                                    needsTopUp,
                                                    .a(
                                                        .class("btn btn-primary"), .attribute(named: "data-testid", value: "top-up"),
                                                        .href(
                                                            SiteURL.newPayment.path([
                                                                "amount": MoneyFormat.plain(shortfall),
                                                                "for_order": order.id.uuidString.lowercased()
                                                            ])),
                                                        .text(page.t("orders.top_up", ["amount": page.money(shortfall)])))),
                                                .form(
                                                    .method(.post), .action(SiteURL.orderPay(.value(order.id)).path),
                                                    UI.csrfField(page),
                                                    UI.submit(
                                                        order.method == .balance
                                                            ? page.t("orders.pay")
                                                            : page.t("orders.pay_with", ["method": method(order)]))),
                                                .form(
                                                    .method(.post), .action(SiteURL.orderCancel(.value(order.id)).path),
                                                    UI.csrfField(page),
                                                    .button(.type(.submit), .class("btn btn-ghost"), .text(page.t("orders.cancel"))))))))
                            })))
        }
        return Layout.client(
            page, title: page.t("orders.title"),
            content: .group(
                UI.alert(error),
                .section(
                    .class("widget widget-wide"), .h2(.text(page.t("orders.pending"))), table(pending, pending: true),
                    .p(.class("muted small"), .text(page.t("order.method_fixed")))),
                .section(.class("widget widget-wide"), .h2(.text(page.t("orders.paid"))), table(paid, pending: false))
            ))
    }
}
