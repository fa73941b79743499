import BillingDomain
import BillingEngine
import Plot

/// The page frames: the client area, the staff area, and the centred card of login pages.
enum Layout {
    /// A section of the client sidebar, from the seeds' menu (Client, Products/Services, Finance,
    /// Support, Tools, Statistics). Sections without a page yet are not shown, nor links the
    /// reader's rights do not open (the rights table, `SiteURL.access`, decides both).
    struct NavSection {
        let titleKey: String
        let icon: String
        let items: [(titleKey: String, url: SiteURL)]

        /// The section with the links the reader may open, or `nil` when none.
        func visible(to page: PageContext) -> NavSection? {
            let allowed = items.filter { page.may($0.url) }
            return allowed.isEmpty ? nil : NavSection(titleKey: titleKey, icon: icon, items: allowed)
        }
    }

    static let clientNavigation: [NavSection] = [
        NavSection(
            titleKey: "nav.section.client", icon: "client",
            items: [
                ("nav.dashboard", .dashboard), ("nav.cart", .cart), ("nav.orders", .orders), ("nav.users", .accountUsers),
                ("nav.profile", .profile), ("nav.settings", .settings), ("nav.security", .security)
            ]),
        NavSection(
            titleKey: "nav.section.services", icon: "services", items: [("nav.order", .orderCatalog), ("nav.services", .services)]),
        NavSection(
            titleKey: "nav.section.finance", icon: "finance",
            items: [
                ("nav.payments", .payments), ("nav.balance_history", .balanceHistory), ("nav.expenses", .expenses),
                ("nav.saved_methods", .savedMethods), ("nav.autorenewal", .autorenewal), ("nav.autopay", .autopay)
            ]),
        NavSection(titleKey: "nav.section.support", icon: "support", items: []),
        NavSection(titleKey: "nav.section.tools", icon: "tools", items: [("nav.api", .apiReference)]),
        NavSection(titleKey: "nav.section.statistics", icon: "stats", items: [])
    ]

    /// A link of the staff menu: the menu shows a member only what their role may open (the
    /// routes check the same entry of the rights table).
    struct StaffNavItem {
        let titleKey: String
        let url: SiteURL
        /// The link is marked active on its own path, or on every path below it.
        let activeBelow: Bool

        var path: String { url.path }

        func isActive(_ current: String) -> Bool {
            current == path || (activeBelow && current.hasPrefix(path + "/"))
        }
    }

    struct StaffNavSection {
        let titleKey: String
        let icon: String
        let items: [StaffNavItem]

        /// The section with the links the reader may open, or `nil` when none.
        func visible(to page: PageContext) -> StaffNavSection? {
            let allowed = items.filter { page.may($0.url) }
            return allowed.isEmpty ? nil : StaffNavSection(titleKey: titleKey, icon: icon, items: allowed)
        }
    }

    static let staffNavigation: [StaffNavSection] = [
        StaffNavSection(
            titleKey: "admin.nav.clients", icon: "client",
            items: [
                StaffNavItem(titleKey: "admin.nav.client_list", url: .staff(.clients), activeBelow: false),
                StaffNavItem(titleKey: "admin.services.title", url: .staff(.services), activeBelow: false)
            ]),
        StaffNavSection(
            titleKey: "admin.nav.catalog", icon: "services",
            items: [
                StaffNavItem(titleKey: "admin.catalog.title", url: .staff(.catalog), activeBelow: true),
                StaffNavItem(titleKey: "admin.billing.title", url: .staff(.billing), activeBelow: false),
                StaffNavItem(titleKey: "servers.title", url: .staff(.servers), activeBelow: false)
            ]),
        StaffNavSection(
            titleKey: "admin.nav.finance", icon: "finance",
            items: [
                StaffNavItem(titleKey: "admin.payments.title", url: .staff(.payments), activeBelow: true),
                StaffNavItem(titleKey: "admin.methods.title", url: .staff(.paymentMethods), activeBelow: false)
            ]),
        StaffNavSection(
            titleKey: "admin.nav.system", icon: "mail",
            items: [
                StaffNavItem(titleKey: "outbox.title", url: .staff(.outbox), activeBelow: false),
                StaffNavItem(titleKey: "sms.title", url: .staff(.sms), activeBelow: false),
                StaffNavItem(titleKey: "jobs.title", url: .staff(.jobs), activeBelow: false),
                StaffNavItem(titleKey: "admin.members.title", url: .staff(.members), activeBelow: false),
                StaffNavItem(titleKey: "audit.title", url: .staff(.audit), activeBelow: false),
                StaffNavItem(titleKey: "privacy.title", url: .staff(.privacy), activeBelow: false),
                StaffNavItem(titleKey: "policy.title", url: .staff(.privacyPolicy), activeBelow: false),
                StaffNavItem(titleKey: "admin.nav.security", url: .staff(.security), activeBelow: false)
            ])
    ]

    static func head(_ page: PageContext, title: String, refreshSeconds: Int? = nil) -> Node<HTML.DocumentContext> {
        .head(
            .meta(.charset(.utf8)),
            .unwrap(refreshSeconds) { .meta(.attribute(named: "http-equiv", value: "refresh"), .content(String($0))) },
            .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
            // Plot's `.title` also writes og:/twitter: meta tags with the title unescaped in an
            // attribute; the title holds client names, so only the <title> element (escaped text).
            .element(named: "title", text: "\(title) · \(page.providerName)"),
            .link(.rel(.stylesheet), .href(AssetRoutes.stylesheetPath)),
            .link(.rel(.icon), .href(AssetRoutes.faviconPath)),
            .script(.src(AssetRoutes.scriptPath), .attribute(named: "defer", value: "defer"))
        )
    }

    static func languageSwitch(_ page: PageContext) -> Node<HTML.BodyContext> {
        .form(
            .class("lang-switch"), .method(.post), .action(SiteURL.language.path),
            UI.csrfField(page), UI.hidden("back", page.path),
            .forEach(BillingDomain.Language.allCases) { language in
                .button(
                    .type(.submit), .name("language"), .value(language.rawValue),
                    .class(language == page.language ? "lang active" : "lang"),
                    .attribute(named: "title", value: language.nativeName),
                    .attribute(named: "aria-pressed", value: language == page.language ? "true" : "false"),
                    .text(language.rawValue.uppercased()))
            })
    }

    /// The phone's menu: a button in the top bar that opens the sidebar. A checkbox and its label,
    /// so it works without JavaScript; on wider screens both are hidden and the sidebar shows.
    static func menuToggle(_ page: PageContext) -> Node<HTML.BodyContext> {
        .input(
            .type(.checkbox), .id("nav-toggle"), .class("nav-toggle"), .attribute(named: "aria-hidden", value: "true"),
            .attribute(named: "tabindex", value: "-1"))
    }

    static func menuButton(_ page: PageContext) -> Node<HTML.BodyContext> {
        .label(
            .for("nav-toggle"), .class("menu-button"), .attribute(named: "data-testid", value: "menu-button"),
            .raw(Icons.svg("list")), .span(.text(page.t("nav.menu"))))
    }

    static func brand(_ page: PageContext, href: String) -> Node<HTML.BodyContext> {
        .a(
            .class("brand"), .href(href), .span(.class("brand-mark"), .text(String(page.providerName.prefix(1)))),
            .span(.class("brand-name"), .text(page.providerName)))
    }

    /// The client area: header with balance, debt, language and user menu; sidebar; content.
    /// `refreshSeconds`: the page reloads itself after that long (a service in Processing shows
    /// its new status once its module has answered, without the client pressing anything).
    static func client(_ page: PageContext, title: String, refreshSeconds: Int? = nil, content: Node<HTML.BodyContext>) -> HTML {
        let header = page.client
        return HTML(
            .lang(page.plotLanguage),
            head(page, title: title, refreshSeconds: refreshSeconds),
            .body(
                .class("app"),
                menuToggle(page),
                .header(
                    .class("topbar"),
                    menuButton(page),
                    brand(page, href: SiteURL.dashboard.path),
                    .div(
                        .class("topbar-money"),
                        .unwrap(header.flatMap { page.may(.balanceHistory) ? $0 : nil }) { header in
                            .group(
                                .a(
                                    .class("balance-chip"), .href(SiteURL.balanceHistory.path),
                                    .attribute(named: "data-testid", value: "header-balance"),
                                    UI.icon("wallet"), .span(.class("muted"), .text(page.t("header.balance"))),
                                    .strong(.text(page.money(header.summary.balance)))),
                                .if(
                                    header.summary.debt.isPositive,
                                    .span(
                                        .class("debt-chip"), .attribute(named: "data-testid", value: "header-debt"),
                                        .text(page.t("header.debt")), .strong(.text(page.money(header.summary.debt)))))
                            )
                        }),
                    languageSwitch(page),
                    .unwrap(header) { header in
                        userMenu(
                            page, name: header.userName,
                            details: [
                                header.email, page.t("header.client_code", ["code": String(header.summary.account.clientCode)])
                            ], logoutAction: SiteURL.logout.path)
                    }
                ),
                .div(
                    .class("shell"),
                    .nav(
                        .class("sidebar"), .attribute(named: "aria-label", value: page.t("nav.label")),
                        .forEach(clientNavigation.compactMap { $0.visible(to: page) }) { section in
                            .div(
                                .class("nav-section"),
                                .p(.class("nav-title"), UI.icon(section.icon), .text(page.t(section.titleKey))),
                                .ul(
                                    .forEach(section.items) { item in
                                        .li(
                                            .a(
                                                .href(item.url.path), .class(page.path == item.url.path ? "active" : ""),
                                                .text(page.t(item.titleKey)),
                                                .if(
                                                    item.url == .cart && (page.client?.cartCount ?? 0) > 0,
                                                    .span(
                                                        .class("nav-count"), .attribute(named: "data-testid", value: "cart-count"),
                                                        .text(String(page.client?.cartCount ?? 0))))))
                                    }))
                        }),
                    mainContent(page, title: title, content: content)
                ),
                footer(page)
            )
        )
    }

    /// The staff area at /admin.
    static func staff(_ page: PageContext, title: String, content: Node<HTML.BodyContext>) -> HTML {
        HTML(
            .lang(page.plotLanguage),
            head(page, title: title),
            .body(
                .class("app staff"),
                menuToggle(page),
                .header(
                    .class("topbar"),
                    menuButton(page),
                    brand(page, href: SiteURL.staff(.clients).path),
                    .span(.class("staff-badge"), .text(page.t("admin.badge"))),
                    .div(.class("topbar-money")),
                    languageSwitch(page),
                    .unwrap(page.staff) { staff in
                        userMenu(
                            page, name: staff.name, details: [staff.email, page.t("admin.role." + staff.role.rawValue)],
                            logoutAction: SiteURL.staff(.logout).path)
                    }
                ),
                .div(
                    .class("shell"),
                    .nav(
                        .class("sidebar"), .attribute(named: "data-testid", value: "staff-nav"),
                        .forEach(staffNavigation.compactMap { $0.visible(to: page) }) { section in
                            .div(
                                .class("nav-section"),
                                .p(.class("nav-title"), UI.icon(section.icon), .text(page.t(section.titleKey))),
                                .ul(
                                    .forEach(section.items) { item in
                                        .li(
                                            .a(
                                                .href(item.path), .class(item.isActive(page.path) ? "active" : ""),
                                                .text(page.t(item.titleKey))))
                                    }))
                        }),
                    mainContent(page, title: title, content: content)
                ),
                footer(page)
            )
        )
    }

    /// A centred card for login, sign-up and password pages.
    static func card(_ page: PageContext, title: String, wide: Bool = false, content: Node<HTML.BodyContext>) -> HTML {
        HTML(
            .lang(page.plotLanguage),
            head(page, title: title),
            .body(
                .class("auth"),
                .div(.class("auth-top"), brand(page, href: "/"), languageSwitch(page)),
                .main(
                    .class(wide ? "auth-card auth-card-wide" : "auth-card"),
                    .h1(.text(title)),
                    UI.alert(page.noticeKey.map { page.t($0, page.noticeArguments) }, kind: "success"),
                    content),
                footer(page)
            )
        )
    }

    /// The name in the header that opens a small panel with who is logged in and "Log out".
    static func userMenu(_ page: PageContext, name: String, details: [String], logoutAction: String) -> Node<HTML.BodyContext> {
        .element(
            named: "details",
            nodes: [
                .class("user-menu"),
                .element(named: "summary", nodes: [UI.icon("client"), .span(.text(name))]),
                .div(
                    .class("user-menu-panel"),
                    .forEach(details) { .p(.class("muted"), .text($0)) },
                    .form(
                        .method(.post), .action(logoutAction), UI.csrfField(page),
                        .button(.type(.submit), .class("btn btn-ghost"), UI.icon("logout"), .text(page.t("header.logout")))))
            ])
    }

    /// The page's title, its one-time notice, and its content.
    static func mainContent(_ page: PageContext, title: String, content: Node<HTML.BodyContext>) -> Node<HTML.BodyContext> {
        .main(
            .class("content"),
            .h1(.text(title)),
            UI.alert(page.noticeKey.map { page.t($0, page.noticeArguments) }, kind: "success"),
            content)
    }

    static func footer(_ page: PageContext) -> Node<HTML.BodyContext> {
        .footer(
            .class("footer"), .text("© \(page.providerName)"), .span(.class("muted"), .text(" · " + page.t("footer.tagline") + " · ")),
            .a(
                .href(SiteURL.privacyPolicy.path), .attribute(named: "data-testid", value: "privacy-policy-link"),
                .text(page.t("policy.title"))))
    }
}
