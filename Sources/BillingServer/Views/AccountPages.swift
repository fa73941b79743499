import BillingDomain
import BillingEngine
import Foundation
import Plot

/// The account's users and their rights (ACC-3, ACC-8), and the invitation's page.
enum AccountPages {
    /// The rights as the form groups them: by area, each action a checkbox.
    static let rightGroups: [(titleKey: String, rights: [ClientRight])] = [
        ("rights.group.services", [.viewServices, .orderServices, .manageServices, .deleteServices]),
        ("rights.group.finance", [.viewFinance, .pay, .documents, .paymentMethods]),
        ("rights.group.account", [.payers, .support, .users, .security])
    ]

    /// The form field of a right's checkbox.
    static func fieldName(_ right: ClientRight) -> String { "right." + right.rawValue }

    static func statusTag(_ page: PageContext, _ user: ClientUser) -> Node<HTML.BodyContext> {
        let (key, tone) =
            if !user.enabled { ("users.status.disabled", "tag-muted") } else if user.invitationPending {
                ("users.status.invited", "tag-warn")
            } else { ("users.status.active", "tag-ok") }
        return .span(.class("tag \(tone)"), .attribute(named: "data-testid", value: "user-status"), .text(page.t(key)))
    }

    /// What a user may do, in words: "Full access", or the rights by name.
    static func rightsSummary(_ page: PageContext, _ user: ClientUser) -> String {
        if user.isOwner { return page.t("users.owner") }
        if user.fullAccess { return page.t("users.full_access") }
        if user.rights.isEmpty { return page.t("users.no_rights") }
        return user.rights.sorted().map { page.t("right." + $0.rawValue) }.joined(separator: ", ")
    }

    static func list(_ page: PageContext, users: [ClientUser], error: String? = nil) -> HTML {
        let rows: Node<HTML.TableContext> = .tbody(
            .forEach(users) { user in
                .tr(
                    .attribute(named: "data-testid", value: "user-row"),
                    .td(
                        .a(.href(SiteURL.accountUser(.value(user.id)).path), .strong(.text(user.name))),
                        .p(.class("muted"), .text(user.email))),
                    .td(.attribute(named: "data-testid", value: "user-rights"), .text(rightsSummary(page, user))),
                    .td(statusTag(page, user)),
                    .td(.text(user.lastLoginAt.map(page.dateTime) ?? "—")))
            })
        return Layout.client(
            page, title: page.t("users.title"),
            content: .group(
                UI.alert(error),
                .p(.class("muted"), .text(page.t("users.intro"))),
                .table(
                    .class("data cards"), .attribute(named: "data-testid", value: "users"),
                    .thead(
                        .tr(
                            .th(.text(page.t("users.col.user"))), .th(.text(page.t("users.col.rights"))),
                            .th(.text(page.t("users.col.status"))), .th(.text(page.t("users.col.last_login"))))),
                    rows),
                .a(
                    .class("btn btn-primary"), .href(SiteURL.accountUserNew.path), .attribute(named: "data-testid", value: "user-add"),
                    UI.icon("plus"), .text(page.t("users.add")))
            ))
    }

    /// The form of a new user: who they are and what they may do; sending it e-mails the invitation.
    static func newUser(_ page: PageContext, values: AccountUserForm, grantable: Set<ClientRight>, error: String? = nil) -> HTML {
        Layout.client(
            page, title: page.t("users.new_title"),
            content: .group(
                .p(.a(.href(SiteURL.accountUsers.path), .text("← " + page.t("users.back")))),
                UI.alert(error),
                .form(
                    .method(.post), .action(SiteURL.accountUserNew.path), .class("stack widget"),
                    .attribute(named: "data-testid", value: "user-form"), UI.csrfField(page),
                    UI.field(label: page.t("field.email"), name: "email", type: .email, value: values.email, autocomplete: "off"),
                    UI.field(label: page.t("field.name"), name: "name", value: values.name, autocomplete: "off"),
                    UI.field(
                        label: page.t("field.phone"), name: "phone", type: .tel, value: values.phone, required: false,
                        autocomplete: "off", hint: page.t("field.phone_hint")),
                    rightsFieldset(page, values: values, grantable: grantable),
                    .p(.class("muted"), .text(page.t("users.invite_hint"))),
                    UI.submit(page.t("users.invite")))
            ))
    }

    private static func rightsFieldset<C: HTML.BodyContext>(_ page: PageContext, values: AccountUserForm, grantable: Set<ClientRight>)
        -> Node<C>
    {
        let mayGiveAll = grantable.count == ClientRight.allCases.count
        return .div(
            .class("rights"), .attribute(named: "data-testid", value: "user-rights-form"),
            .p(.class("rights-title"), .text(page.t("users.rights"))),
            .if(
                mayGiveAll,
                .label(
                    .class("check"),
                    .input(.type(.checkbox), .name("full_access"), .value("on"), .checked(values.fullAccess)),
                    .text(page.t("users.full_access") + " — " + page.t("users.full_access_hint")))),
            .div(
                .class("rights-grid"),
                .forEach(rightGroups) { group in
                    .div(
                        .class("rights-group"),
                        .p(.class("nav-title"), .text(page.t(group.titleKey))),
                        .forEach(group.rights) { right in
                            .label(
                                .class(grantable.contains(right) ? "check" : "check muted"),
                                .input(
                                    .type(.checkbox), .name(fieldName(right)), .value("on"),
                                    .checked(values.fullAccess || values.rights.contains(right)),
                                    .attribute(named: "disabled", value: grantable.contains(right) ? nil : "disabled")),
                                .text(page.t("right." + right.rawValue)))
                        })
                }))
    }

    /// One user: the edit form, and what may be done to them (disable, enable, delete, send the
    /// invitation again).
    static func user(_ page: PageContext, user: ClientUser, values: AccountUserForm, grantable: Set<ClientRight>, error: String? = nil)
        -> HTML
    {
        let actions: [UserAction] =
            user.isOwner || page.client?.email == user.email
            ? []
            : (user.invitationPending ? [.resend] : []) + [user.enabled ? .disable : .enable, .delete]
        return Layout.client(
            page, title: page.t("users.edit_title", ["name": user.name]),
            content: .group(
                .p(.a(.href(SiteURL.accountUsers.path), .text("← " + page.t("users.back")))),
                UI.alert(error),
                .div(
                    .class("widget"), .p(.text(user.email), .text(" · "), statusTag(page, user)),
                    .if(user.isOwner, .p(.class("muted"), .text(page.t("users.owner_protected")))),
                    .div(
                        .class("actions"),
                        .forEach(actions) { action in
                            .form(
                                .method(.post), .action(SiteURL.accountUserAction(.value(user.id), action).path), .class("inline-form"),
                                UI.csrfField(page),
                                .attribute(
                                    named: "data-confirm",
                                    value: action == .delete || action == .disable ? page.t("users.confirm." + action.rawValue) : nil),
                                .button(
                                    .type(.submit), .class(action == .delete ? "btn btn-danger" : "btn btn-secondary"),
                                    .attribute(named: "data-testid", value: "user-" + action.rawValue),
                                    .text(page.t("users.action." + action.rawValue))))
                        })),
                editForm(page, user: user, values: values, grantable: grantable)
            ))
    }

    private static func editForm(_ page: PageContext, user: ClientUser, values: AccountUserForm, grantable: Set<ClientRight>)
        -> Node<HTML.BodyContext>
    {
        .form(
            .method(.post), .action(SiteURL.accountUser(.value(user.id)).path), .class("stack widget"),
            .attribute(named: "data-testid", value: "user-form"), UI.csrfField(page),
            UI.field(label: page.t("field.name"), name: "name", value: values.name, autocomplete: "off"),
            UI.field(
                label: page.t("field.phone"), name: "phone", type: .tel, value: values.phone, required: false, autocomplete: "off",
                hint: page.t("field.phone_hint")),
            .if(
                user.isOwner, .p(.class("muted"), .text(page.t("users.owner_rights"))),
                else: rightsFieldset(page, values: values, grantable: grantable)),
            UI.submit(page.t("users.save")))
    }

    // MARK: The invitation

    static func invitation(_ page: PageContext, token: String, error: String? = nil) -> HTML {
        invitation(page, action: SiteURL.invitation(.value(token)).path, error: error)
    }

    /// The form of an invitation link (a user of an account, a member of staff): the password.
    static func invitation(_ page: PageContext, action: String, error: String? = nil) -> HTML {
        Layout.card(
            page, title: page.t("invitation.title"),
            content: .group(
                UI.alert(error),
                .p(.text(page.t("invitation.text"))),
                .form(
                    .method(.post), .action(action), .class("stack"),
                    .attribute(named: "data-testid", value: "invitation-form"), UI.csrfField(page),
                    UI.newPasswordField(page, label: page.t("field.password")),
                    UI.submit(page.t("invitation.submit")))
            ))
    }

    static func invitationExpired(_ page: PageContext, login: SiteURL = .login) -> HTML {
        Layout.card(
            page, title: page.t("invitation.title"),
            content: .group(
                UI.alert(page.t("invitation.expired")),
                .div(.class("auth-links"), .a(.href(login.path), .text(page.t("signup.login_link"))))
            ))
    }
}
