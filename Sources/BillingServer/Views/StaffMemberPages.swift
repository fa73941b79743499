import BillingDomain
import BillingEngine
import Plot

/// The staff list (`/admin/staff`): who works here, in which role, whether they can sign in and
/// when they last did; below it, what each role may do, read from the roles themselves.
enum StaffMemberPages {
    /// What the add form keeps after a refusal.
    struct NewMember {
        var email = ""
        var name = ""
        var role = StaffRole.support
    }

    static func roleOptions(_ page: PageContext) -> [(value: String, title: String)] {
        StaffRole.allCases.map { (value: $0.rawValue, title: page.t("admin.role." + $0.rawValue)) }
    }

    static func list(
        _ page: PageContext, members: [StaffMember], twoFactorRequired: Bool, roles: [StaffRole: Set<StaffPermission>] = [:],
        newMember: NewMember = NewMember(), error: String? = nil
    ) -> HTML {
        let me = page.staff?.staffID
        let content: Node<HTML.BodyContext> = .group(
            UI.alert(error),
            .p(
                .class("muted"), .text(page.t("admin.members.lead") + " "),
                .code(.text("billing staff create --email … --name … --role administrator|support|accountant"))),
            .form(
                .method(.post), .action(SiteURL.staff(.staffSettings).path), .class("inline-form widget"),
                .attribute(named: "data-testid", value: "staff-settings"), UI.csrfField(page),
                .label(
                    .class("check"),
                    .input(.type(.checkbox), .name("two_factor_required"), .value("on"), .checked(twoFactorRequired)),
                    .text(page.t("admin.members.two_factor_required"))),
                UI.submit(page.t("users.save"), style: "secondary")),
            .table(
                .class("data cards"), .attribute(named: "data-testid", value: "staff-members"),
                .thead(
                    .tr(
                        .th(.text(page.t("admin.members.col.name"))), .th(.text(page.t("admin.members.col.email"))),
                        .th(.text(page.t("admin.members.col.role"))), .th(.text(page.t("admin.members.col.status"))),
                        .th(.text(page.t("admin.members.col.last_login"))), .th(.text(page.t("two_factor.title"))), .th())),
                .tbody(
                    .forEach(members) { member in
                        .tr(
                            .attribute(named: "data-testid", value: "staff-member"),
                            .td(.attribute(named: "data-label", value: page.t("admin.members.col.name")), .text(member.name)),
                            .td(.attribute(named: "data-label", value: page.t("admin.members.col.email")), .text(member.email)),
                            .td(
                                .attribute(named: "data-label", value: page.t("admin.members.col.role")),
                                .attribute(named: "data-testid", value: "staff-member-role"),
                                .text(page.t("admin.role." + member.role.rawValue))),
                            .td(
                                .attribute(named: "data-label", value: page.t("admin.members.col.status")),
                                .span(
                                    .class(member.enabled ? "tag tag-ok" : "tag tag-bad"),
                                    .text(page.t(member.enabled ? "admin.members.enabled" : "admin.members.disabled")))),
                            .td(
                                .attribute(named: "data-label", value: page.t("admin.members.col.last_login")),
                                .text(member.lastLoginAt.map(page.dateTime) ?? page.t("admin.members.never"))),
                            .td(
                                .attribute(named: "data-label", value: page.t("two_factor.title")),
                                .attribute(named: "data-testid", value: "staff-member-two-factor"),
                                .text(page.t(member.twoFactor ? "two_factor.on" : "two_factor.off")),
                                .if(
                                    member.twoFactor && member.id != me,
                                    .form(
                                        .method(.post), .action(SiteURL.staff(.memberResetTwoFactor(.value(member.id))).path),
                                        UI.csrfField(page), .attribute(named: "data-confirm", value: page.t("admin.members.reset_confirm")),
                                        .button(
                                            .type(.submit), .class("btn btn-ghost"),
                                            .attribute(named: "data-testid", value: "reset-two-factor"),
                                            .text(page.t("admin.members.reset_two_factor")))))),
                            .td(
                                .if(
                                    member.id != me,
                                    .form(
                                        .method(.post), .action(SiteURL.staff(.member(.value(member.id))).path), .class("inline-form"),
                                        .attribute(named: "data-testid", value: "member-form"), UI.csrfField(page),
                                        UI.select(
                                            label: page.t("admin.members.col.role"), name: "role", options: roleOptions(page),
                                            selected: member.role.rawValue),
                                        .label(
                                            .class("check"),
                                            .input(.type(.checkbox), .name("enabled"), .value("on"), .checked(member.enabled)),
                                            .text(page.t("admin.members.enabled"))),
                                        UI.submit(page.t("users.save"), style: "secondary")))))
                    })),
            .section(
                .class("widget"), .attribute(named: "data-testid", value: "member-new"),
                .h2(.text(page.t("admin.members.add"))),
                .form(
                    .method(.post), .action(SiteURL.staff(.memberNew).path), .class("stack"), UI.csrfField(page),
                    UI.field(label: page.t("field.email"), name: "email", type: .email, value: newMember.email, autocomplete: "off"),
                    UI.field(label: page.t("field.name"), name: "name", value: newMember.name, autocomplete: "off"),
                    UI.select(
                        label: page.t("admin.members.col.role"), name: "role", options: roleOptions(page), selected: newMember.role.rawValue
                    ),
                    UI.field(
                        label: page.t("admin.members.initial_password"), name: "password", type: .password, required: false,
                        autocomplete: "new-password", hint: page.t("admin.members.invite_hint")),
                    UI.submit(page.t("admin.members.add")))),
            .h2(.text(page.t("admin.members.roles"))),
            .p(.class("muted"), .text(page.t("admin.roles.intro"))),
            .div(
                .class("widgets"),
                .forEach(StaffRole.allCases) { role in roleCard(page, role, roles[role] ?? role.permissions) })
        )
        return Layout.staff(page, title: page.t("admin.members.title"), content: content)
    }
}

extension StaffMemberPages {
    /// A role and its rights: a list for the administrator (always everything), a form of
    /// checkboxes for the others, with "restore the built-in set".
    static func roleCard(_ page: PageContext, _ role: StaffRole, _ rights: Set<StaffPermission>) -> Node<HTML.BodyContext> {
        let editable = role != .administrator && page.maySend(.staff(.staffRole(role)))
        return .section(
            .class("widget"), .attribute(named: "data-testid", value: "role-" + role.rawValue),
            .h3(.text(page.t("admin.role." + role.rawValue))),
            .if(
                editable,
                .form(
                    .method(.post), .action(SiteURL.staff(.staffRole(role)).path), .class("stack"), UI.csrfField(page),
                    .div(
                        .class("role-rights"),
                        .forEach(StaffPermission.allCases) { permission in
                            .label(
                                .input(
                                    .type(.checkbox), .name("right." + permission.rawValue), .value("on"),
                                    .checked(rights.contains(permission)),
                                    .attribute(named: "data-testid", value: "right-box-" + permission.rawValue)),
                                .span(.text(page.t("admin.permission." + permission.rawValue))))
                        }),
                    .div(
                        .class("inline-form"),
                        UI.submit(page.t("admin.roles.save"), style: "secondary"),
                        .button(.type(.submit), .name("reset"), .value("on"), .class("btn btn-ghost"), .text(page.t("admin.roles.reset"))))),
                else: .ul(
                    .forEach(StaffPermission.allCases.filter(rights.contains)) { permission in
                        .li(
                            .attribute(named: "data-testid", value: "granted-right"),
                            .text(page.t("admin.permission." + permission.rawValue)))
                    })))
    }
}

/// The audit log (`/admin/audit`): every change staff made, newest first, searchable.
enum AuditPages {
    static func list(_ page: PageContext, query: String, events: Page<AuditEvent>) -> HTML {
        Layout.staff(
            page, title: page.t("audit.title"),
            content: .group(
                .p(.class("muted"), .text(page.t("audit.intro"))),
                .form(
                    .class("search"), .method(.get), .action(SiteURL.staff(.audit).path),
                    .input(
                        .type(.search), .name("q"), .value(UI.escape(query)), .placeholder(page.t("audit.search_placeholder")),
                        .attribute(named: "aria-label", value: page.t("audit.search_placeholder"))),
                    .button(.type(.submit), .class("btn btn-secondary"), UI.icon("search"), .text(page.t("admin.clients.search")))),
                .if(
                    events.items.isEmpty, .p(.class("empty"), .text(page.t("audit.none"))),
                    else: .table(
                        .class("data cards"), .attribute(named: "data-testid", value: "audit-events"),
                        .thead(
                            .tr(
                                .th(.text(page.t("history.col.time"))), .th(.text(page.t("audit.col.who"))),
                                .th(.text(page.t("sessions.col.ip"))), .th(.text(page.t("audit.col.action"))),
                                .th(.text(page.t("audit.col.details"))))),
                        .tbody(
                            .forEach(events.items) { event in
                                .tr(
                                    .attribute(named: "data-testid", value: "audit-event"),
                                    .td(.attribute(named: "data-label", value: page.t("history.col.time")), .text(page.dateTime(event.at))),
                                    .td(.attribute(named: "data-label", value: page.t("audit.col.who")), .text(event.staffName)),
                                    .td(.attribute(named: "data-label", value: page.t("sessions.col.ip")), .text(event.ip)),
                                    .td(
                                        .attribute(named: "data-label", value: page.t("audit.col.action")),
                                        .attribute(named: "data-testid", value: "audit-action"),
                                        .text(
                                            Localizer.shared.has("audit.action." + event.action)
                                                ? page.t("audit.action." + event.action) : event.action)),
                                    .td(
                                        .attribute(named: "data-label", value: page.t("audit.col.details")),
                                        .attribute(named: "data-testid", value: "audit-details"),
                                        .text(
                                            [event.target, event.details.isEmpty ? nil : event.details].compactMap { $0 }.joined(
                                                separator: " · "))))
                            }))),
                Pager.render(page, current: events.request.number, pages: events.pageCount) {
                    SiteURL.staff(.audit).path(["q": query, "page": String($0)])
                }
            ))
    }

    /// The personal-data requests (ACC-7): open ones first, each closed as done or rejected with
    /// an answer the user reads.
    static func privacy(_ page: PageContext, requests: [PrivacyRequest]) -> HTML {
        Layout.staff(
            page, title: page.t("privacy.title"),
            content: .group(
                .p(.class("muted"), .text(page.t("privacy.staff_intro"))),
                .if(
                    requests.isEmpty, .p(.class("empty"), .text(page.t("audit.none"))),
                    else: .table(
                        .class("data cards"), .attribute(named: "data-testid", value: "privacy-requests"),
                        .thead(
                            .tr(
                                .th(.text(page.t("history.col.time"))), .th(.text(page.t("users.col.user"))),
                                .th(.text(page.t("privacy.col.kind"))), .th(.text(page.t("privacy.message"))),
                                .th(.text(page.t("users.col.status"))), .th())),
                        .tbody(
                            .forEach(requests) { request in
                                .tr(
                                    .attribute(named: "data-testid", value: "privacy-row"),
                                    .td(.text(page.dateTime(request.createdAt))),
                                    .td(
                                        .a(.href(SiteURL.staff(.client(.value(request.accountID))).path), .text(request.userName)),
                                        .p(.class("muted"), .text(request.userEmail))),
                                    .td(.text(page.t("privacy.kind." + request.kind.rawValue))),
                                    .td(.text(request.message.isEmpty ? "—" : request.message)),
                                    .td(
                                        .attribute(named: "data-testid", value: "privacy-status"),
                                        .text(page.t("privacy.status." + request.status.rawValue))),
                                    .td(
                                        .if(
                                            request.status == .open,
                                            .form(
                                                .method(.post), .action(SiteURL.staff(.privacyHandle(.value(request.id))).path),
                                                .class("inline-form"), UI.csrfField(page),
                                                .input(
                                                    .type(.text), .name("answer"), .attribute(named: "maxlength", value: "2000"),
                                                    .attribute(named: "aria-label", value: page.t("privacy.answer")),
                                                    .attribute(named: "placeholder", value: page.t("privacy.answer"))),
                                                .button(
                                                    .type(.submit), .name("status"), .value("done"), .class("btn btn-secondary"),
                                                    .text(page.t("privacy.mark_done"))),
                                                .button(
                                                    .type(.submit), .name("status"), .value("rejected"), .class("btn btn-ghost"),
                                                    .text(page.t("privacy.mark_rejected")))),
                                            else: .text(request.answer ?? "")))
                                )
                            })))
            ))
    }
}
