import BillingDomain
import BillingEngine
import Foundation
import Plot
import Provisioning

/// Service pages (SVC-1, SVC-2) and the expense history (FIN-5).
enum ServicePages {
    static func statusTag(_ page: PageContext, _ status: ServiceStatus) -> Node<HTML.BodyContext> {
        let tone: String
        switch status {
        case .active: tone = "tag-ok"
        case .expired, .stoppedByAdmin, .stoppedForAbuse, .unavailable: tone = "tag-bad"
        case .deleted: tone = "tag-muted"
        default: tone = "tag-warn"
        }
        return .span(
            .class("tag \(tone)"), .attribute(named: "data-testid", value: "service-status"),
            .text(page.t("service.status." + status.rawValue)))
    }

    static func list(
        _ page: PageContext, filter: ServiceLifecycle.ListFilter, services: Page<Service>, taxRate: TaxRate,
        taxMode: TaxMode
    ) -> HTML {
        func link(page number: Int) -> String {
            SiteURL.services.path([
                "type": filter.type?.rawValue, "status": filter.status?.rawValue, "q": filter.search.isEmpty ? nil : filter.search,
                "page": String(number)
            ])
        }
        let statusOptions =
            [(value: "", title: page.t("services.any_status"))]
            + ServiceStatus.allCases.filter { $0 != .deleted }.map { (value: $0.rawValue, title: page.t("service.status." + $0.rawValue)) }
        return Layout.client(
            page, title: filter.type.map { page.t("product_type." + $0.rawValue) } ?? page.t("services.title"),
            refreshSeconds: services.items.contains { $0.status == .processing } ? 3 : nil,
            content: .group(
                OrderPages.typeTabs(page, current: filter.type, base: SiteURL.services.path, allKey: "services.all"),
                .form(
                    .class("search filters"), .method(.get), .action(SiteURL.services.path),
                    UI.hidden("type", filter.type?.rawValue ?? ""),
                    UI.select(
                        label: page.t("services.status"), name: "status", options: statusOptions, selected: filter.status?.rawValue ?? ""),
                    .input(
                        .type(.search), .name("q"), .value(UI.escape(filter.search)), .placeholder(page.t("services.search")),
                        .attribute(named: "aria-label", value: page.t("services.search"))),
                    .button(.type(.submit), .class("btn btn-secondary"), UI.icon("search"), .text(page.t("admin.clients.search"))),
                    .a(
                        .class("btn btn-primary"), .href(SiteURL.orderCatalog.path(["type": filter.type?.rawValue])), UI.icon("plus"),
                        .text(page.t("services.order")))),
                .p(.class("muted"), .text(page.t("services.count", ["count": String(services.total)]))),
                .if(
                    services.items.isEmpty, .p(.class("empty"), .text(page.t("services.none"))),
                    else:
                        .table(
                            .class("data cards"), .attribute(named: "data-testid", value: "service-list"),
                            .thead(
                                .tr(
                                    .th(.text("ID")), .th(.text(page.t("services.col.plan"))), .th(.text(page.t("services.col.name"))),
                                    .th(.text(page.t("services.col.ip"))), .th(.text(page.t("services.col.expires"))),
                                    .th(.class("num"), .text(page.t("services.col.cost"))), .th(.text(page.t("services.col.status"))))),
                            .tbody(
                                .forEach(services.items) { service in
                                    let link = SiteURL.service(.value(service.id)).path
                                    let cost = TaxedAmount(catalogAmount: service.recurringAmount, rate: taxRate, mode: taxMode).gross
                                    return .tr(
                                        .td(.a(.href(link), .text("#\(service.number)"))),
                                        .td(.a(.href(link), .text(service.planName.text(in: page.language)))),
                                        .td(.text(service.domainName.isEmpty ? "—" : service.domainName)),
                                        .td(.text(service.ipAddress ?? "—")),
                                        .td(.text(service.expiresOn.iso)),
                                        .td(
                                            .class("num"), .attribute(named: "data-testid", value: "service-cost"),
                                            .text("\(page.money(cost)) / \(page.t("period.per." + service.period.rawValue))")
                                        ),
                                        .td(
                                            statusTag(page, service.status),
                                            .if(
                                                service.autoRenew && service.status != .deleted,
                                                .span(
                                                    .class("tag"), .attribute(named: "title", value: page.t("service.auto_renew")),
                                                    .text("↻")))))
                                }))),
                Pager.render(page, current: services.request.number, pages: services.pageCount, link: link(page:))
            ))
    }

    static func detail(
        _ page: PageContext, service: Service, offer: PlanOffer?, history: [ServiceHistoryEntry], error: String?,
        change: ServiceLifecycle.ChangeQuote?, taxRate: TaxRate, taxMode: TaxMode, formKey: String,
        allowed: Set<ClientServiceAction>, waitingRenewal: Order? = nil, login: Login? = nil
    ) -> HTML {
        let amounts = service.addons
        let cost = TaxedAmount(catalogAmount: service.recurringAmount, rate: taxRate, mode: taxMode)
        let running = allowed.contains(.changeResources)
        func action(_ name: ServiceAction, _ title: String, style: String = "secondary", extra: Node<HTML.FormContext> = .empty) -> Node<
            HTML.BodyContext
        > {
            .form(
                .method(.post), .action(SiteURL.serviceAction(.value(service.id), name).path), UI.csrfField(page), extra,
                UI.submit(title, style: style))
        }
        let parameters: Node<HTML.BodyContext> = .section(
            .class("widget"), .attribute(named: "data-testid", value: "service-params"),
            .h2(.text(page.t("service.parameters"))),
            .dl(
                .class("facts"),
                .dt(.text(page.t("services.col.status"))),
                .dd(
                    statusTag(page, service.status),
                    .unwrap(service.operation) { .span(.class("muted"), .text(" · " + page.t("service.operation." + $0.rawValue))) }),
                .dt(.text(page.t("service.type"))), .dd(.text(page.t("product_type." + service.productType.rawValue))),
                .dt(.text(page.t("services.col.name"))), .dd(.text(service.domainName.isEmpty ? "—" : service.domainName)),
                .dt(.text(page.t("services.col.ip"))), .dd(.text(service.ipAddress ?? "—")),
                .dt(.text(page.t("order.os"))), .dd(.text(service.osImage.isEmpty ? "—" : service.osImage)),
                .dt(.text(page.t("order.period"))), .dd(.text(page.t("period." + service.period.rawValue))),
                .dt(.text(page.t("services.col.expires"))), .dd(.text(service.expiresOn.iso)),
                .dt(.text(page.t("services.col.cost"))),
                .dd(.text("\(page.money(cost.gross)) / \(page.t("period.per." + service.period.rawValue))")),
                .dt(.text(page.t("service.auto_renew"))),
                .dd(
                    .attribute(named: "data-testid", value: "service-auto-renew"),
                    .text(page.t(service.autoRenew && service.status != .deleted ? "common.on" : "common.off"))),
                .if(service.isTrial, .group(.dt(.text(page.t("service.trial"))), .dd(.text(page.t("common.on"))))),
                .forEach(offer?.addons ?? []) { addon in
                    .group(
                        .dt(.text(addon.addon.name(in: page.language))),
                        .dd(.text(UI.quantity(amounts[addon.id] ?? addon.limits.included, addon.kind, page))))
                }))
        let autoRenewExtra: Node<HTML.FormContext> = service.autoRenew ? .empty : UI.hidden("enabled", "on")
        // "Extend" asked before: the renewal that waits, instead of a second one.
        let waiting: Node<HTML.BodyContext> = .unwrap(waitingRenewal) { order in
            .p(
                .class("alert alert-info"), .attribute(named: "data-testid", value: "waiting-renewal"),
                .text(page.t("service.renewal_waits", ["number": String(order.number), "amount": page.money(order.total)]) + " "),
                .a(.href(SiteURL.order(.value(order.id)).path), .text(page.t("service.renewal_open"))))
        }
        let buttons: Node<HTML.BodyContext> = .div(
            .class("action-grid"),
            .if(allowed.contains(.stop), action(.stop, page.t("service.stop"))),
            .if(allowed.contains(.start), action(.start, page.t("service.start"), style: "primary")),
            .if(
                allowed.contains(.reboot),
                .form(
                    .method(.post), .action(SiteURL.serviceAction(.value(service.id), .reboot).path),
                    .attribute(named: "data-confirm", value: page.t("service.reboot_confirm")), UI.csrfField(page),
                    UI.submit(page.t("service.reboot"), style: "secondary"))),
            // A hung server ignores the system's reboot: the power cut and back.
            .if(
                allowed.contains(.reboot),
                .form(
                    .method(.post), .action(SiteURL.serviceAction(.value(service.id), .reboot).path),
                    .attribute(named: "data-testid", value: "hard-reset"),
                    .attribute(named: "data-confirm", value: UI.escape(page.t("service.reset_confirm"))), UI.csrfField(page),
                    UI.hidden("mode", "hard"),
                    UI.submit(page.t("service.reset"), style: "secondary"))),
            .if(allowed.contains(.extend), action(.extend, page.t("service.extend"), style: "primary")),
            .if(
                allowed.contains(.autoRenew),
                action(
                    .autorenew, page.t(service.autoRenew ? "service.auto_renew_off" : "service.auto_renew_on"),
                    extra: autoRenewExtra)),
            .if(
                page.may(.expenses),
                .a(
                    .class("btn btn-ghost"), .href(SiteURL.expenses.path(["service": service.id.uuidString.lowercased()])),
                    .text(page.t("service.expenses")))))
        let periods: [(value: String, title: String)] = (offer?.periods ?? []).map {
            (value: $0.rawValue, title: page.t("period." + $0.rawValue))
        }
        let periodForm: Node<HTML.BodyContext> = .if(
            allowed.contains(.changePeriod) && periods.count > 1,
            .form(
                .method(.post), .action(SiteURL.serviceAction(.value(service.id), .period).path), .class("inline-form"),
                UI.csrfField(page),
                UI.select(label: page.t("service.change_period"), name: "period", options: periods, selected: service.period.rawValue),
                UI.submit(page.t("service.save"), style: "secondary")))
        // Reinstall (SVC-3): one of the plan's operating systems, with the warning that the disk is erased.
        let systems = offer?.plan.osList ?? []
        let reinstallForm: Node<HTML.BodyContext> = .if(
            allowed.contains(.reinstall) && !systems.isEmpty,
            .form(
                .method(.post), .action(SiteURL.serviceAction(.value(service.id), .reinstall).path), .class("inline-form"),
                .attribute(named: "data-testid", value: "reinstall-form"),
                .attribute(named: "data-confirm", value: page.t("service.reinstall_confirm")), UI.csrfField(page),
                UI.select(
                    label: page.t("service.reinstall_os"), name: "os", options: systems.map { (value: $0, title: $0) },
                    selected: service.osImage),
                UI.submit(page.t("service.reinstall"), style: "secondary")))
        let deleteForm: Node<HTML.BodyContext> = .if(
            allowed.contains(.delete),
            .form(
                .method(.post), .action(SiteURL.serviceAction(.value(service.id), .delete).path), .class("danger-zone"),
                UI.csrfField(page),
                .attribute(named: "data-confirm", value: page.t("service.delete_confirm")),
                .p(.class("muted small"), .text(page.t("service.delete_hint"))),
                UI.submit(page.t("service.delete"), style: "danger")))
        // A reader whose rights allow none of them (a sub-user who may only look) sees no box.
        let offersSomething = !allowed.isEmpty || page.may(.expenses)
        let actions: Node<HTML.BodyContext> = .if(
            offersSomething,
            .section(
                .class("widget"), .attribute(named: "data-testid", value: "service-actions"),
                .h2(.text(page.t("service.actions"))), waiting, buttons, periodForm, reinstallForm, deleteForm))
        // A quick order's server, paid and waiting for its name (CAT-4).
        let configureForm: Node<HTML.BodyContext> = .if(
            allowed.contains(.configure),
            .section(
                .class("widget widget-wide"), .attribute(named: "data-testid", value: "service-configure"),
                .h2(.text(page.t("service.configure_title"))),
                .p(.class("muted"), .text(page.t("service.configure_intro"))),
                .form(
                    .method(.post), .action(SiteURL.serviceAction(.value(service.id), .configure).path), .class("stack"),
                    UI.csrfField(page),
                    UI.field(label: page.t("order.hostname"), name: "domain", hint: page.t("order.hostname_hint")),
                    .if(
                        !systems.isEmpty,
                        UI.select(
                            label: page.t("order.os"), name: "os", options: systems.map { (value: $0, title: $0) },
                            selected: service.osImage)),
                    UI.submit(page.t("service.configure_submit")))))
        return Layout.client(
            page, title: "\(service.planName.text(in: page.language)) #\(service.number)",
            refreshSeconds: service.status == .processing ? 3 : nil,
            content: .group(
                tabs(page, service, current: .service(.value(service.id))),
                UI.alert(error),
                configureForm,
                .div(
                    .class("widgets"), parameters, actions,
                    loginWidget(page, service: service, login: login, mayShow: page.maySend(.serviceAction(.value(service.id), .login)))),
                running && !(offer?.addons.isEmpty ?? true)
                    ? resources(
                        page, service: service, offer: offer, amounts: amounts, change: change,
                        taxRate: taxRate, taxMode: taxMode, formKey: formKey) : .empty,
                historyTable(page, history)
            ))
    }

    /// The login data of a server: the user and address, the password when asked for.
    struct Login: Sendable {
        let user: String
        let password: String?
    }

    static func loginWidget(_ page: PageContext, service: Service, login: Login?, mayShow: Bool) -> Node<HTML.BodyContext> {
        guard let login, service.productType.hasServer else { return .empty }
        return .section(
            .class("widget"), .attribute(named: "data-testid", value: "service-login"),
            .h2(.text(page.t("login_data.title"))),
            .dl(
                .class("facts"),
                .dt(.text(page.t("login_data.address"))), .dd(.code(.text(service.ipAddress ?? "—"))),
                .dt(.text(page.t("login_data.user"))), .dd(.code(.attribute(named: "data-testid", value: "login-user"), .text(login.user))),
                .unwrap(login.password) { password in
                    .group(
                        .dt(.text(page.t("login_data.password"))),
                        .dd(.code(.attribute(named: "data-testid", value: "login-password"), .text(password))))
                }),
            login.password == nil && mayShow
                ? .form(
                    .method(.post), .action(SiteURL.serviceAction(.value(service.id), .login).path),
                    .attribute(named: "data-testid", value: "login-show"), UI.csrfField(page),
                    UI.submit(page.t("login_data.show"), style: "secondary"))
                : .empty,
            .p(.class("muted small"), .text(page.t(login.password == nil ? "login_data.hint" : "login_data.shown_hint"))))
    }

    /// The tabs of a server's pages (Details, Network); other products have one page.
    static func tabs(_ page: PageContext, _ service: Service, current: SiteURL) -> Node<HTML.BodyContext> {
        guard service.productType.hasServer else { return .empty }
        let tabs: [(SiteURL, String, String)] = [
            (.service(.value(service.id)), "service.tab.details", "tab-details"),
            (.serviceNetwork(.value(service.id)), "service.tab.network", "tab-network"),
            (.serviceTraffic(.value(service.id)), "service.tab.traffic", "tab-traffic"),
            (.serviceConsole(.value(service.id)), "service.tab.console", "tab-console")
        ]
        return .nav(
            .class("tabs"), .attribute(named: "aria-label", value: page.t("service.tabs")),
            .forEach(tabs) { url, key, testID in
                .a(
                    .href(url.path), .class(url.path == current.path ? "tab active" : "tab"),
                    .attribute(named: "data-testid", value: testID),
                    .text(page.t(key)))
            })
    }

    /// The Network tab (SVC-4): each address with netmask, gateway and MAC, and its reverse DNS,
    /// editable where the DNS server is configured and the reader may manage the service.
    static func network(
        _ page: PageContext, service: Service, overview: ServiceNetwork.Overview, allowed: Set<ClientServiceAction>, error: String?,
        typed: [String: String]
    ) -> HTML {
        let editable = allowed.contains(.reverseDNS)
        let details = overview.details
        let facts: Node<HTML.BodyContext> = .dl(
            .class("facts"), .attribute(named: "data-testid", value: "network-facts"),
            .dt(.text(page.t("network.netmask"))), .dd(.text(details?.netmask ?? "—")),
            .dt(.text(page.t("network.gateway"))), .dd(.text(details?.gateway ?? "—")),
            .dt(.text(page.t("network.mac"))), .dd(.attribute(named: "data-testid", value: "network-mac"), .text(details?.mac ?? "—")))
        let rows: Node<HTML.TableContext> = .tbody(
            .forEach(overview.addresses) { address in
                let fieldID = "rdns-" + address.address.replacingOccurrences(of: ":", with: "-").replacingOccurrences(of: ".", with: "-")
                let status: Node<HTML.BodyContext> = .unwrap(address.status) { status in
                    .span(
                        .class(status == .applied ? "tag tag-ok" : status == .failed ? "tag tag-bad" : "tag"),
                        .attribute(named: "data-testid", value: "rdns-status"), .text(page.t("network.rdns_status." + status.rawValue)))
                }
                let reverse: Node<HTML.BodyContext> =
                    editable
                    ? .group(
                        .form(
                            .method(.post), .action(SiteURL.serviceAction(.value(service.id), .rdns).path), .class("inline-form"),
                            UI.csrfField(page), UI.hidden("address", address.address),
                            .label(
                                .class("visually-hidden"), .for(fieldID), .text(page.t("network.rdns_for", ["address": address.address]))),
                            .input(
                                .type(.text), .name("name"), .id(fieldID),
                                .value(UI.escape(typed[address.address] ?? address.reverseName ?? "")),
                                .attribute(named: "placeholder", value: "server.example.com"),
                                .attribute(named: "data-testid", value: "rdns-input"),
                                .attribute(named: "maxlength", value: "253")),
                            UI.submit(page.t("network.rdns_save"), style: "secondary")), status)
                    : .group(
                        .span(.attribute(named: "data-testid", value: "rdns-name"), .text(address.reverseName ?? "—")), .text(" "), status)
                return .tr(
                    .attribute(named: "data-testid", value: "network-address"),
                    .td(.attribute(named: "data-label", value: page.t("network.address")), .code(.text(address.address))),
                    .td(
                        .attribute(named: "data-label", value: page.t("network.version")),
                        .text(address.address.contains(":") ? "IPv6" : "IPv4")),
                    .td(.attribute(named: "data-label", value: page.t("network.rdns")), reverse))
            })
        return Layout.client(
            page, title: "\(service.planName.text(in: page.language)) #\(service.number)",
            // A name being applied shows its outcome without a reload.
            refreshSeconds: overview.addresses.contains { $0.status == .pending } ? 5 : nil,
            content: .group(
                tabs(page, service, current: .serviceNetwork(.value(service.id))),
                UI.alert(error),
                .section(
                    .class("widget widget-wide"), .attribute(named: "data-testid", value: "service-network"),
                    .h2(.text(page.t("network.title"))),
                    overview.addresses.isEmpty
                        ? .p(
                            .class("muted"), .attribute(named: "data-testid", value: "network-empty"), .text(page.t("network.no_addresses"))
                        )
                        : .group(
                            facts,
                            .table(
                                .class("data cards"),
                                .thead(
                                    .tr(
                                        .th(.text(page.t("network.address"))), .th(.text(page.t("network.version"))),
                                        .th(.text(page.t("network.rdns"))))),
                                rows),
                            .p(.class("muted small"), .text(page.t(editable ? "network.rdns_hint" : "network.rdns_readonly")))))))
    }

    static func resources(
        _ page: PageContext, service: Service, offer: PlanOffer?, amounts: [UUID: Int],
        change: ServiceLifecycle.ChangeQuote?, taxRate: TaxRate, taxMode: TaxMode, formKey: String
    ) -> Node<HTML.BodyContext> {
        let fields: [Node<HTML.FormContext>] = (offer?.addons ?? []).map { addon in
            UI.field(
                label: "\(addon.addon.name(in: page.language)), \(page.t(addon.kind.unitKey))",
                name: "addon.\(addon.id.uuidString.lowercased())",
                type: .number, value: String(change?.amounts[addon.id] ?? amounts[addon.id] ?? addon.limits.included),
                hint: page.t(
                    "order.addon_hint_short",
                    [
                        "min": String(addon.limits.minimum), "max": String(addon.limits.maximum),
                        "step": String(addon.limits.step)
                    ]))
        }
        var quote: Node<HTML.FormContext> = .empty
        if let change {
            let next = TaxedAmount(catalogAmount: change.newRecurring, rate: taxRate, mode: taxMode).gross
            quote = .div(
                .class("alert alert-info"), .attribute(named: "data-testid", value: "change-quote"),
                .p(
                    .text(
                        page.t(
                            "service.change_quote",
                            [
                                "now": page.money(change.dueNow.gross), "next": page.money(next),
                                "date": service.expiresOn.iso
                            ]))),
                UI.hidden("confirm", "yes"), UI.hidden("key", formKey))
        }
        return .section(
            .class("widget widget-wide"), .attribute(named: "data-testid", value: "service-resources"),
            .h2(.text(page.t("service.resources"))),
            .form(
                .method(.post), .action(SiteURL.serviceAction(.value(service.id), .resources).path), .class("stack"),
                UI.csrfField(page),
                .div(.class("addon-grid"), .group(fields)),
                quote,
                UI.submit(
                    page.t(change == nil ? "service.calculate" : "service.confirm_change"), style: change == nil ? "secondary" : "primary"))
        )
    }

    /// The service's history; `showsModuleErrors` for staff, who read a module's error text.
    static func historyTable(_ page: PageContext, _ history: [ServiceHistoryEntry], showsModuleErrors: Bool = false)
        -> Node<HTML.BodyContext>
    {
        .section(
            .class("widget widget-wide"), .attribute(named: "data-testid", value: "service-history"),
            .h2(.text(page.t("service.history"))),
            .table(
                .class("data compact cards"),
                .thead(
                    .tr(
                        .th(.text(page.t("balance.col.date"))), .th(.text(page.t("service.event"))),
                        .th(.text(page.t("services.col.status"))), .th(.text(page.t("service.who"))), .th(.text(page.t("balance.col.memo")))
                    )),
                .tbody(
                    .forEach(history) { event in
                        // A module's error text is for staff (the jobs page); the client reads "Server error".
                        let note = event.event == "module_error" && !showsModuleErrors ? "" : event.note
                        return .tr(
                            .td(.attribute(named: "data-label", value: page.t("balance.col.date")), .text(page.dateTime(event.at))),
                            .td(
                                .attribute(named: "data-label", value: page.t("service.event")),
                                .text(page.t("service.event." + event.event))),
                            .td(
                                .attribute(named: "data-label", value: page.t("services.col.status")),
                                .text(page.t("service.status." + event.toStatus.rawValue))),
                            .td(
                                .attribute(named: "data-label", value: page.t("service.who")),
                                .text(page.t("service.actor." + event.actorKind.rawValue))),
                            .if(
                                !note.isEmpty, .td(.attribute(named: "data-label", value: page.t("balance.col.memo")), .text(note)),
                                else: .td()))
                    })))
    }

    static func expenses(_ page: PageContext, filter: ExpenseHistory.Filter, expenses: Page<Expense>, totals: ExpenseHistory.Totals)
        -> HTML
    {
        func link(_ url: SiteURL, page number: Int?) -> String {
            url.path([
                "from": filter.from?.iso, "to": filter.to?.iso, "service": filter.serviceID?.uuidString.lowercased(),
                "q": filter.search.isEmpty ? nil : filter.search, "page": number.map(String.init)
            ])
        }
        return Layout.client(
            page, title: page.t("expenses.title"),
            content: .group(
                .form(
                    .class("search filters"), .method(.get), .action(SiteURL.expenses.path),
                    .unwrap(filter.serviceID) { UI.hidden("service", $0.uuidString.lowercased()) },
                    .label(.text(page.t("expenses.from")), .input(.type(.date), .name("from"), .value(filter.from?.iso ?? ""))),
                    .label(.text(page.t("expenses.to")), .input(.type(.date), .name("to"), .value(filter.to?.iso ?? ""))),
                    .input(
                        .type(.search), .name("q"), .value(UI.escape(filter.search)), .placeholder(page.t("expenses.search")),
                        .attribute(named: "aria-label", value: page.t("expenses.search"))),
                    .button(.type(.submit), .class("btn btn-secondary"), UI.icon("search"), .text(page.t("expenses.filter"))),
                    .a(
                        .class("btn btn-ghost"), .href(link(.expensesCSV, page: nil)),
                        .attribute(named: "data-testid", value: "csv-link"),
                        .text(page.t("expenses.csv")))),
                .dl(
                    .class("totals inline"), .attribute(named: "data-testid", value: "expense-totals"),
                    .dt(.text(page.t("expenses.total"))), .dd(.text(page.money(totals.amount))),
                    .dt(.text(page.t("expenses.unpaid"))), .dd(.text(page.money(totals.unpaid))),
                    .dt(.text(page.t("expenses.tax"))), .dd(.text(page.money(totals.tax))),
                    .dt(.text(page.t("expenses.count"))), .dd(.text(String(totals.count)))),
                .if(
                    expenses.items.isEmpty, .p(.class("empty"), .text(page.t("expenses.none"))),
                    else:
                        .table(
                            .class("data cards"), .attribute(named: "data-testid", value: "expenses"),
                            .thead(
                                .tr(
                                    .th(.text(page.t("expenses.col.service"))), .th(.text(page.t("expenses.col.date"))),
                                    .th(.text(page.t("expenses.col.period"))), .th(.class("num"), .text(page.t("expenses.col.amount"))),
                                    .th(.class("num"), .text(page.t("expenses.col.unpaid"))), .th(.text(page.t("expenses.col.paid_by"))),
                                    .th(.class("num"), .text(page.t("expenses.col.tax"))))),
                            .tbody(
                                .forEach(expenses.items) { row in
                                    .tr(
                                        .td(.text(row.summary)), .td(.text(row.chargedOn.iso)),
                                        .td(.text([row.periodFrom, row.periodTo].compactMap { $0?.iso }.joined(separator: " – "))),
                                        .td(.class("num"), .text(page.money(row.amount))),
                                        .td(.class("num"), .text(page.money(row.unpaid))),
                                        .td(
                                            .text(
                                                row.paidBy.map {
                                                    page.t("expenses.paid_balance", ["ref": String($0.uuidString.prefix(8)).lowercased()])
                                                }
                                                    ?? (row.amount.isZero ? "—" : page.t("expenses.not_paid")))),
                                        .td(.class("num"), .text("\(page.money(row.tax)) (\(row.taxRate))")))
                                }))),
                Pager.render(page, current: expenses.request.number, pages: expenses.pageCount) { link(.expenses, page: $0) }
            ))
    }
}

extension ServicePages {
    /// The IP-KVM tab (SVC-4): a VPS's VNC console (address on the tab, password on request), or
    /// a dedicated server's BMC with a temporary user whose password is shown once.
    static func console(
        _ page: PageContext, service: Service, overview: ServiceConsole.Overview, mayOpen: Bool, opened: ServiceConsole.Opened?,
        error: String?
    ) -> HTML {
        let canOpen = mayOpen && overview.available
        let openForm: (String) -> Node<HTML.BodyContext> = { title in
            canOpen
                ? .form(
                    .method(.post), .action(SiteURL.serviceAction(.value(service.id), .console).path),
                    .attribute(named: "data-testid", value: "console-open"), UI.csrfField(page), UI.submit(title))
                : .empty
        }
        let secret: (String, String) -> Node<HTML.BodyContext> = { password, note in
            .div(
                .class("alert alert-info"), .attribute(named: "data-testid", value: "console-secret"),
                .p(
                    .strong(.text(page.t("console.password"))), .text(" "),
                    .code(.attribute(named: "data-testid", value: "console-password"), .text(password))),
                .p(.class("small"), .text(note)))
        }
        var body: [Node<HTML.BodyContext>] = []
        switch overview.kind {
        case .vnc:
            let address = "\(overview.host ?? "—"):\(overview.port.map(String.init) ?? "—")"
            body.append(
                .dl(
                    .class("facts"), .attribute(named: "data-testid", value: "console-facts"),
                    .dt(.text(page.t("console.kind"))), .dd(.text(page.t("console.kind.vnc"))),
                    .dt(.text(page.t("console.address"))),
                    .dd(.code(.attribute(named: "data-testid", value: "console-address"), .text(address)))))
            if case .vnc(let console) = opened {
                body.append(secret(console.password, page.t("console.vnc_note")))
                body.append(
                    .p(
                        .a(
                            .href("vnc://\(console.host):\(console.port)"), .attribute(named: "data-testid", value: "console-link"),
                            .text(page.t("console.vnc_link")))))
            } else {
                body.append(openForm(page.t("console.vnc_show")))
            }
            body.append(.p(.class("muted small"), .text(page.t("console.vnc_hint"))))
        case .bmc:
            body.append(
                .dl(
                    .class("facts"), .attribute(named: "data-testid", value: "console-facts"),
                    .dt(.text(page.t("console.kind"))), .dd(.text(page.t("console.kind.bmc"))),
                    .dt(.text(page.t("console.bmc_url"))),
                    .dd(
                        .unwrap(
                            overview.url,
                            { url in
                                .a(
                                    .href(url), .attribute(named: "data-testid", value: "console-url"),
                                    .attribute(named: "rel", value: "noopener"), .text(url))
                            }, else: .text("—"))),
                    .unwrap(overview.access) { access in
                        .group(
                            .dt(.text(page.t("console.user"))),
                            .dd(.code(.attribute(named: "data-testid", value: "console-user"), .text(access.userName))),
                            .dt(.text(page.t("console.status"))),
                            .dd(
                                .span(
                                    .class(access.status == .active ? "tag tag-ok" : access.status == .failed ? "tag tag-bad" : "tag"),
                                    .attribute(named: "data-testid", value: "console-status"),
                                    .text(page.t("console.status." + access.status.rawValue))),
                                .unwrap(access.error) { .span(.class("muted small"), .text(" " + $0)) }),
                            .dt(.text(page.t("console.expires"))),
                            .dd(.attribute(named: "data-testid", value: "console-expires"), .text(page.dateTime(access.expiresAt))))
                    }))
            if case .bmc(_, _, let password, _) = opened {
                body.append(secret(password, page.t("console.bmc_note")))
            } else {
                let live = overview.access.map { $0.status == .active || $0.status == .pending } ?? false
                body.append(openForm(page.t(live ? "console.bmc_renew" : "console.bmc_open")))
            }
            body.append(.p(.class("muted small"), .text(page.t("console.bmc_hint"))))
        case nil:
            body.append(.p(.class("muted"), .attribute(named: "data-testid", value: "console-none"), .text(page.t("console.none"))))
        }
        if overview.kind != nil, !overview.available {
            body.append(
                .p(.class("muted"), .attribute(named: "data-testid", value: "console-unavailable"), .text(page.t("console.unavailable"))))
        } else if overview.kind != nil, !mayOpen {
            body.append(.p(.class("muted"), .attribute(named: "data-testid", value: "console-readonly"), .text(page.t("console.readonly"))))
        }
        return Layout.client(
            page, title: "\(service.planName.text(in: page.language)) #\(service.number)",
            // A user being added to the BMC shows its outcome without a reload (not the page with
            // the password: that one stays until the client leaves it).
            refreshSeconds: opened == nil && overview.access?.status == .pending ? 5 : nil,
            content: .group(
                tabs(page, service, current: .serviceConsole(.value(service.id))),
                UI.alert(error),
                .section(
                    .class("widget widget-wide"), .attribute(named: "data-testid", value: "service-console"),
                    .h2(.text(page.t("console.title"))), .group(body))))
    }
}
