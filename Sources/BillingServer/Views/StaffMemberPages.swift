import BillingDomain
import BillingEngine
import Plot

/// The staff list (`/admin/staff`): who works here, in which role, whether they can sign in and
/// when they last did; below it, what each role may do, read from the roles themselves.
enum StaffMemberPages {
    static func list(_ page: PageContext, members: [StaffMember]) -> HTML {
        let content: Node<HTML.BodyContext> = .group(
            .p(
                .class("muted"), .text(page.t("admin.members.lead") + " "),
                .code(.text("billing staff create --email … --name … --role administrator|support|accountant"))),
            .table(
                .class("data cards"), .attribute(named: "data-testid", value: "staff-members"),
                .thead(
                    .tr(
                        .th(.text(page.t("admin.members.col.name"))), .th(.text(page.t("admin.members.col.email"))),
                        .th(.text(page.t("admin.members.col.role"))), .th(.text(page.t("admin.members.col.status"))),
                        .th(.text(page.t("admin.members.col.last_login"))))),
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
                                .text(member.lastLoginAt.map(page.dateTime) ?? page.t("admin.members.never"))))
                    })),
            .h2(.text(page.t("admin.members.roles"))),
            .div(
                .class("widgets"),
                .forEach(StaffRole.allCases) { role in
                    .section(
                        .class("widget"), .attribute(named: "data-testid", value: "role-" + role.rawValue),
                        .h3(.text(page.t("admin.role." + role.rawValue))),
                        .ul(
                            .forEach(StaffPermission.allCases.filter(role.allows)) { permission in
                                .li(.text(page.t("admin.permission." + permission.rawValue)))
                            }))
                })
        )
        return Layout.staff(page, title: page.t("admin.members.title"), content: content)
    }
}
