import BillingDomain
import BillingEngine
import Foundation
import Plot

/// The user's own security page (ACC-4) and the second step of a login.
enum SecurityPages {
    struct TwoFactorView {
        var status: TwoFactor.Status
        /// The enrolment in progress: the QR code and the key to confirm with a first code.
        var enrolment: TwoFactor.Enrolment?
        /// New recovery codes, shown this once.
        var recoveryCodes: [String]?
    }

    /// What the page lists beside the two-step login: the sessions, tokens and logins the
    /// reader may see (their own; every user's of the account with the `security` right).
    struct Activity {
        var sessions: [ActiveSession] = []
        var tokens: [ActiveToken] = []
        var history: [LoginEvent] = []
        /// Whether the lists show the account's other users too (a column with the user's name).
        var wholeAccount = false
        /// The account's networks and code word, for users with the security right.
        var protection: Protection?
    }

    struct Protection {
        var networks: NetworkAllowList
        var hasCodeWord: Bool
        /// The address the page is read from.
        var ip: String
        /// What was typed, shown again after a refusal.
        var networksText: String?
        /// The list typed would shut this address out: the form asks to confirm.
        var needsConfirmation = false
        var networksError: String?
        var codeWordError: String?
    }

    static func security(_ page: PageContext, twoFactor: TwoFactorView, activity: Activity, error: String? = nil) -> HTML {
        Layout.client(
            page, title: page.t("security.title"),
            content: .group(
                UI.alert(error),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "two-factor"),
                    .h2(.text(page.t("two_factor.title"))),
                    .unwrap(twoFactor.recoveryCodes) { recoveryCodes(page, $0) },
                    twoFactorBody(page, twoFactor, url: SiteURL.securityAction)),
                .unwrap(activity.protection) { protection(page, $0) },
                sessions(page, activity),
                tokens(page, activity),
                history(page, activity)
            ))
    }

    private static func protection(_ page: PageContext, _ protection: Protection) -> Node<HTML.BodyContext> {
        let text = protection.networksText ?? protection.networks.networks.map(\.description).joined(separator: "\n")
        return .group(
            .section(
                .class("widget"), .attribute(named: "data-testid", value: "allowed-networks"),
                .h2(.text(page.t("networks.title"))),
                .p(.class("muted"), .text(page.t("networks.intro"))),
                .p(
                    .text(page.t("networks.your_address") + " "),
                    .code(.attribute(named: "data-testid", value: "your-address"), .text(protection.ip))),
                UI.alert(protection.networksError),
                .form(
                    .method(.post), .action(SiteURL.allowedNetworks.path), .class("stack"), UI.csrfField(page),
                    .div(
                        .class("field"),
                        .label(.for("f-networks"), .text(page.t("networks.label"))),
                        .textarea(
                            .name("networks"), .id("f-networks"), .attribute(named: "rows", value: "4"),
                            .attribute(named: "placeholder", value: "203.0.113.0/24\n2001:db8::/32"), .text(text)),
                        .p(.class("hint"), .text(page.t("networks.hint")))),
                    .if(
                        protection.needsConfirmation,
                        .label(
                            .class("check"), .input(.type(.checkbox), .name("confirm_lockout"), .value("on")),
                            .text(page.t("networks.confirm_lockout", ["ip": protection.ip])))),
                    UI.submit(page.t("networks.save"), style: "secondary"))),
            .section(
                .class("widget"), .attribute(named: "data-testid", value: "code-word"),
                .h2(.text(page.t("code_word.title"))),
                .p(
                    .class("muted"),
                    .text(page.t(protection.hasCodeWord ? "code_word.set" : "code_word.not_set"))),
                UI.alert(protection.codeWordError),
                .form(
                    .method(.post), .action(SiteURL.codeWord.path), .class("inline-form"), UI.csrfField(page),
                    .input(
                        .type(.password), .name("word"), .attribute(named: "autocomplete", value: "off"),
                        .attribute(named: "aria-label", value: page.t("code_word.label")),
                        .attribute(named: "placeholder", value: page.t("code_word.label"))),
                    UI.submit(page.t(protection.hasCodeWord ? "code_word.change" : "code_word.save"), style: "secondary"))))
    }

    private static func userCell(_ page: PageContext, _ activity: Activity, _ name: String) -> Node<HTML.TableRowContext> {
        activity.wholeAccount ? .td(.text(name)) : .empty
    }

    private static func userHeader(_ page: PageContext, _ activity: Activity) -> Node<HTML.TableRowContext> {
        activity.wholeAccount ? .th(.text(page.t("users.col.user"))) : .empty
    }

    private static func sessions(_ page: PageContext, _ activity: Activity) -> Node<HTML.BodyContext> {
        .section(
            .class("widget"), .attribute(named: "data-testid", value: "sessions"),
            .h2(.text(page.t("sessions.title"))),
            .table(
                .class("data cards"),
                .thead(
                    .tr(
                        userHeader(page, activity), .th(.text(page.t("sessions.col.browser"))), .th(.text(page.t("sessions.col.ip"))),
                        .th(.text(page.t("sessions.col.started"))), .th(.text(page.t("sessions.col.last_seen"))), .th())),
                .tbody(
                    .forEach(activity.sessions) { session in
                        .tr(
                            .attribute(named: "data-testid", value: "session-row"),
                            userCell(page, activity, session.userName),
                            .td(.text(Browsers.describe(session.userAgent, page))), .td(.text(session.ip ?? "—")),
                            .td(.text(page.dateTime(session.startedAt))), .td(.text(page.dateTime(session.lastSeenAt))),
                            .td(
                                .if(
                                    session.isCurrent,
                                    .span(
                                        .class("tag tag-ok"), .attribute(named: "data-testid", value: "this-session"),
                                        .text(page.t("sessions.this"))),
                                    else: .form(
                                        .method(.post), .action(SiteURL.sessionEnd(.value(session.id)).path), UI.csrfField(page),
                                        .button(
                                            .type(.submit), .class("btn btn-ghost"), .attribute(named: "data-testid", value: "session-end"),
                                            .text(page.t("sessions.end")))))))
                    })),
            .form(
                .method(.post), .action(SiteURL.securityAction(.endOtherSessions).path), UI.csrfField(page),
                .attribute(named: "data-confirm", value: page.t("sessions.end_others_confirm")),
                .button(
                    .type(.submit), .class("btn btn-secondary"), .attribute(named: "data-testid", value: "end-other-sessions"),
                    .text(page.t("sessions.end_others")))))
    }

    private static func tokens(_ page: PageContext, _ activity: Activity) -> Node<HTML.BodyContext> {
        .section(
            .class("widget"), .attribute(named: "data-testid", value: "tokens"),
            .h2(.text(page.t("tokens.title"))),
            .if(
                activity.tokens.isEmpty, .p(.class("empty"), .text(page.t("tokens.none"))),
                else: .table(
                    .class("data cards"),
                    .thead(
                        .tr(
                            userHeader(page, activity), .th(.text(page.t("tokens.col.name"))), .th(.text(page.t("tokens.col.scopes"))),
                            .th(.text(page.t("tokens.col.created"))), .th(.text(page.t("tokens.col.expires"))), .th())),
                    .tbody(
                        .forEach(activity.tokens) { token in
                            .tr(
                                .attribute(named: "data-testid", value: "token-row"),
                                userCell(page, activity, token.userName),
                                .td(.text(token.name)),
                                .td(.text(token.scopes.isEmpty ? page.t("tokens.all_rights") : token.scopes.joined(separator: ", "))),
                                .td(.text(page.dateTime(token.createdAt))), .td(.text(token.expiresAt.map(page.dateTime) ?? "—")),
                                .td(
                                    .form(
                                        .method(.post), .action(SiteURL.tokenRevoke(.value(token.id)).path), UI.csrfField(page),
                                        .button(
                                            .type(.submit), .class("btn btn-ghost"),
                                            .attribute(named: "data-testid", value: "token-revoke"),
                                            .text(page.t("tokens.revoke"))))))
                        }))))
    }

    private static func history(_ page: PageContext, _ activity: Activity) -> Node<HTML.BodyContext> {
        .section(
            .class("widget"), .attribute(named: "data-testid", value: "login-history"),
            .h2(.text(page.t("history.title"))),
            .table(
                .class("data cards"),
                .thead(
                    .tr(
                        .th(.text(page.t("history.col.time"))), userHeader(page, activity), .th(.text(page.t("sessions.col.ip"))),
                        .th(.text(page.t("sessions.col.browser"))), .th(.text(page.t("history.col.outcome"))))),
                .tbody(
                    .forEach(activity.history) { event in
                        .tr(
                            .attribute(named: "data-testid", value: "login-row"),
                            .td(.text(page.dateTime(event.at))), userCell(page, activity, event.userName), .td(.text(event.ip)),
                            .td(.text(event.channel == .api ? page.t("history.api") : Browsers.describe(event.userAgent, page))),
                            .td(
                                .span(
                                    .class(event.outcome == .success ? "tag tag-ok" : "tag tag-warn"),
                                    .attribute(named: "data-testid", value: "login-outcome"),
                                    .text(page.t("history.outcome." + event.outcome.rawValue)))))
                    })))
    }

    /// A member of staff's own two-step login (`/admin/security`).
    static func staffSecurity(_ page: PageContext, twoFactor: TwoFactorView, required: Bool, error: String? = nil) -> HTML {
        Layout.staff(
            page, title: page.t("security.title"),
            content: .group(
                UI.alert(error),
                .if(required && !twoFactor.status.enabled, .div(.class("alert alert-warn"), .text(page.t("two_factor.required")))),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "two-factor"),
                    .h2(.text(page.t("two_factor.title"))),
                    .unwrap(twoFactor.recoveryCodes) { recoveryCodes(page, $0) },
                    twoFactorBody(page, twoFactor, url: { .staff(.securityAction($0)) }, mayTurnOff: !required))))
    }

    private static func twoFactorBody(
        _ page: PageContext, _ view: TwoFactorView, url: (SecurityAction) -> SiteURL, mayTurnOff: Bool = true
    ) -> Node<HTML.BodyContext> {
        if view.status.enabled {
            return .group(
                .p(
                    .span(
                        .class("tag tag-ok"), .attribute(named: "data-testid", value: "two-factor-status"), .text(page.t("two_factor.on"))),
                    .text(" "),
                    .text(
                        page.t(
                            "two_factor.on_since",
                            ["date": view.status.enabledAt.map(page.dateTime) ?? "", "left": String(view.status.recoveryCodesLeft)]))),
                codeForm(page, url(.recoveryCodes), action: .recoveryCodes, submit: "two_factor.new_codes", style: "secondary"),
                .if(
                    mayTurnOff,
                    codeForm(page, url(.twoFactorDisable), action: .twoFactorDisable, submit: "two_factor.disable", style: "danger")))
        }
        if let enrolment = view.enrolment {
            return .group(
                .p(.text(page.t("two_factor.scan"))),
                .div(.class("qr"), .attribute(named: "data-testid", value: "totp-qr"), .raw(enrolment.qrSVG)),
                .p(
                    .class("muted"), .text(page.t("two_factor.or_type") + " "),
                    .code(.attribute(named: "data-testid", value: "totp-secret"), .text(enrolment.secret))),
                codeForm(page, url(.twoFactorConfirm), action: .twoFactorConfirm, submit: "two_factor.confirm", style: "primary"))
        }
        return .group(
            .p(
                .span(
                    .class("tag tag-muted"), .attribute(named: "data-testid", value: "two-factor-status"), .text(page.t("two_factor.off")))
            ),
            .p(.class("muted"), .text(page.t("two_factor.intro"))),
            .form(
                .method(.post), .action(url(.twoFactorStart).path), UI.csrfField(page),
                .button(
                    .type(.submit), .class("btn btn-primary"), .attribute(named: "data-testid", value: "two-factor-start"),
                    .text(page.t("two_factor.start")))))
    }

    private static func codeForm(_ page: PageContext, _ target: SiteURL, action: SecurityAction, submit: String, style: String)
        -> Node<HTML.BodyContext>
    {
        .form(
            .method(.post), .action(target.path), .class("inline-form"),
            .attribute(named: "data-testid", value: "form-" + action.rawValue), UI.csrfField(page),
            .input(
                .type(.text), .name("code"), .required(true), .attribute(named: "inputmode", value: "numeric"),
                .attribute(named: "autocomplete", value: "one-time-code"), .attribute(named: "maxlength", value: "11"),
                .attribute(named: "aria-label", value: page.t("two_factor.code")),
                .attribute(named: "placeholder", value: page.t("two_factor.code"))),
            .button(.type(.submit), .class("btn btn-\(style)"), .text(page.t(submit))))
    }

    private static func recoveryCodes(_ page: PageContext, _ codes: [String]) -> Node<HTML.BodyContext> {
        .div(
            .class("alert alert-warn"), .attribute(named: "role", value: "status"),
            .p(.strong(.text(page.t("two_factor.codes_title")))),
            .p(.text(page.t("two_factor.codes_text"))),
            .ol(
                .class("recovery-codes"),
                .forEach(codes) { .li(.code(.attribute(named: "data-testid", value: "recovery-code"), .text($0))) }))
    }

    /// The interface language (the user's) and the account's currency (for users who pay).
    static func settings(_ page: PageContext) -> HTML {
        Layout.client(
            page, title: page.t("settings.title"),
            content: .group(
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "settings-language"),
                    .h2(.text(page.t("settings.language"))),
                    .form(
                        .method(.post), .action(SiteURL.language.path), .class("inline-form"), UI.csrfField(page),
                        UI.hidden("back", SiteURL.settings.path),
                        UI.select(
                            label: page.t("settings.language"), name: "language",
                            options: BillingDomain.Language.allCases.map { (value: $0.rawValue, title: $0.nativeName) },
                            selected: page.language.rawValue),
                        UI.submit(page.t("users.save"), style: "secondary"))),
                .unwrap(page.client.flatMap { page.maySend(.changeCurrency) ? $0 : nil }) { header in
                    .section(
                        .class("widget"), .attribute(named: "data-testid", value: "settings-currency"),
                        .h2(.text(page.t("balance.currency"))),
                        .form(
                            .method(.post), .action(SiteURL.changeCurrency.path), .class("inline-form"),
                            .attribute(named: "data-confirm", value: page.t("balance.currency_confirm")),
                            UI.csrfField(page), UI.hidden("key", UUID().uuidString.lowercased()), UI.hidden("back", SiteURL.settings.path),
                            UI.select(
                                label: page.t("balance.currency"), name: "currency",
                                options: Currency.all.map { (value: $0.code, title: $0.code) }, selected: header.summary.currency.code),
                            UI.submit(page.t("balance.change_currency"), style: "secondary")),
                        .p(.class("muted small"), .text(page.t("balance.currency_hint"))))
                },
                .p(
                    .class("muted"), .a(.href(SiteURL.profile.path), .text(page.t("nav.profile"))), .text(" · "),
                    .a(.href(SiteURL.security.path), .text(page.t("nav.security"))))
            ))
    }

    /// The user's own profile: the name (a sub-user's; the owner's is the account's), the login
    /// e-mail, and the password.
    static func categoryBoxes<C: HTML.BodyContext>(_ page: PageContext, _ selected: Set<MailCategory>) -> Node<C> {
        .forEach(AlternativeEmails.categories) { category in
            .label(
                .class("check"),
                .input(.type(.checkbox), .name("category." + category.rawValue), .value("on"), .checked(selected.contains(category))),
                .text(page.t("emails.category." + category.rawValue)))
        }
    }

    static func alternativeEmails(_ page: PageContext, _ emails: [AlternativeEmail], error: String?) -> Node<HTML.BodyContext> {
        .section(
            .class("widget"), .attribute(named: "data-testid", value: "alternative-emails"),
            .h2(.text(page.t("emails.title"))),
            .p(.class("muted"), .text(page.t("emails.intro"))),
            UI.alert(error),
            .forEach(emails) { email in
                .div(
                    .class("email-row"), .attribute(named: "data-testid", value: "alternative-email"),
                    .form(
                        .method(.post), .action(SiteURL.email(.value(email.id)).path), .class("inline-form"), UI.csrfField(page),
                        .strong(.attribute(named: "data-testid", value: "alternative-email-address"), .text(email.email)),
                        .if(
                            !email.confirmed,
                            .span(
                                .class("tag tag-warn"), .attribute(named: "data-testid", value: "alternative-email-unconfirmed"),
                                .text(page.t("emails.unconfirmed")))),
                        categoryBoxes(page, email.categories),
                        UI.submit(page.t("users.save"), style: "secondary")),
                    .if(
                        !email.confirmed,
                        .form(
                            .method(.post), .action(SiteURL.emailResend(.value(email.id)).path), .class("inline-form"), UI.csrfField(page),
                            .button(
                                .type(.submit), .class("btn btn-ghost"),
                                .attribute(named: "data-testid", value: "alternative-email-resend"),
                                .text(page.t("emails.resend"))))),
                    .form(
                        .method(.post), .action(SiteURL.emailDelete(.value(email.id)).path), .class("inline-form"), UI.csrfField(page),
                        .button(.type(.submit), .class("btn btn-ghost"), .text(page.t("emails.remove")))))
            },
            .if(
                emails.count < AlternativeEmails.limit,
                .form(
                    .method(.post), .action(SiteURL.emails.path), .class("stack"),
                    .attribute(named: "data-testid", value: "alternative-email-add"),
                    UI.csrfField(page),
                    UI.field(label: page.t("emails.address"), name: "email", type: .email, autocomplete: "email"),
                    .div(.class("checks"), categoryBoxes(page, [.finance, .services, .support])),
                    UI.submit(page.t("emails.add"), style: "secondary"))))
    }

    /// The user's picture (ACC-6): the current one, an upload form, a remove button.
    static func avatarSection(_ page: PageContext, updatedAt: Date?, error: String?) -> Node<HTML.BodyContext> {
        .section(
            .class("widget"), .attribute(named: "data-testid", value: "avatar"),
            .h2(.text(page.t("avatar.title"))),
            UI.alert(error),
            .div(
                .class("avatar-row"),
                .unwrap(
                    updatedAt,
                    { date in
                        .img(
                            .class("avatar"), .src(SiteURL.avatar.path(["v": String(Int(date.timeIntervalSince1970))])),
                            .alt(page.t("avatar.alt")), .attribute(named: "width", value: "96"), .attribute(named: "height", value: "96"),
                            .attribute(named: "data-testid", value: "avatar-image"))
                    }, else: .div(.class("avatar avatar-empty"), .attribute(named: "aria-hidden", value: "true"))),
                .form(
                    .method(.post), .action(SiteURL.avatar.path), .enctype(.multipartData), .class("stack"), UI.csrfField(page),
                    .div(
                        .class("field"), .label(.for("avatar-file"), .text(page.t("avatar.file"))),
                        .input(
                            .type(.file), .name("avatar"), .id("avatar-file"), .attribute(named: "accept", value: "image/png,image/jpeg"),
                            .required(true)),
                        .p(.class("hint"), .text(page.t("avatar.hint", ["size": String(Avatars.maximumBytes / 1024)])))),
                    UI.submit(page.t("avatar.upload"), style: "secondary"))),
            .if(
                updatedAt != nil,
                .form(
                    .method(.post), .action(SiteURL.avatarDelete.path), UI.csrfField(page),
                    .button(
                        .type(.submit), .class("btn btn-ghost"), .attribute(named: "data-testid", value: "avatar-remove"),
                        .text(page.t("avatar.remove"))))))
    }

    /// The phone number (ACC-2): its status, the code waiting to be entered, the number's form.
    static func phoneSection(_ page: PageContext, _ phone: PhoneStatus, error: String?, typedNumber: String?) -> Node<HTML.BodyContext> {
        .section(
            .class("widget"), .attribute(named: "data-testid", value: "phone"),
            .h2(.text(page.t("phone.title"))),
            UI.alert(error),
            .unwrap(phone.number) { number in
                .p(
                    .span(.attribute(named: "data-testid", value: "phone-number"), .text(number)), .text(" "),
                    .span(
                        .class(phone.confirmed ? "tag tag-ok" : "tag tag-warn"), .attribute(named: "data-testid", value: "phone-status"),
                        .text(page.t(phone.confirmed ? "phone.confirmed" : "phone.unconfirmed"))))
            },
            .unwrap(phone.pending) { pending in
                .div(
                    .class("stack"), .attribute(named: "data-testid", value: "phone-pending"),
                    .p(
                        .text(
                            pending.purpose == .confirm
                                ? page.t("phone.code_sent", ["to": pending.sentTo])
                                : pending.newNumber.map { page.t("phone.release_change", ["to": pending.sentTo, "new": $0]) }
                                    ?? page.t("phone.release_remove", ["to": pending.sentTo]))),
                    .form(
                        .method(.post), .action(SiteURL.phoneAction(.confirm).path), .class("inline-form"), UI.csrfField(page),
                        .input(
                            .type(.text), .name("code"), .attribute(named: "inputmode", value: "numeric"),
                            .attribute(named: "autocomplete", value: "one-time-code"), .attribute(named: "maxlength", value: "12"),
                            .attribute(named: "aria-label", value: page.t("phone.code")),
                            .attribute(named: "placeholder", value: page.t("phone.code")),
                            .attribute(named: "data-testid", value: "phone-code")),
                        .button(
                            .type(.submit), .class("btn btn-primary"), .attribute(named: "data-testid", value: "phone-confirm"),
                            .text(page.t("phone.confirm")))),
                    .form(
                        .method(.post), .action(SiteURL.phoneAction(.resend).path), UI.csrfField(page),
                        .button(
                            .type(.submit), .class("btn btn-ghost"), .attribute(named: "data-testid", value: "phone-resend"),
                            .text(page.t("phone.resend")))))
            },
            .form(
                .method(.post), .action(SiteURL.phone.path), .class("stack"), UI.csrfField(page),
                UI.field(
                    label: page.t("field.phone"), name: "number", type: .tel,
                    value: typedNumber ?? phone.pending?.newNumber ?? phone.number ?? "",
                    required: true, autocomplete: "tel", hint: page.t("field.phone_hint")),
                .p(.class("muted"), .text(page.t(phone.confirmed ? "phone.hint_confirmed" : "phone.hint"))),
                UI.submit(page.t("phone.save"), style: "secondary")),
            .if(
                phone.number != nil,
                .form(
                    .method(.post), .action(SiteURL.phoneAction(.remove).path), UI.csrfField(page),
                    .attribute(named: "data-confirm", value: page.t("phone.remove_confirm")),
                    .button(
                        .type(.submit), .class("btn btn-ghost"), .attribute(named: "data-testid", value: "phone-remove"),
                        .text(page.t("phone.remove"))))))
    }

    static func profile(
        _ page: PageContext, user: ClientUser, phone: PhoneStatus, emails: [AlternativeEmail] = [], requests: [PrivacyRequest] = [],
        error: String? = nil, passwordError: String? = nil, emailsError: String? = nil, phoneError: String? = nil,
        typedNumber: String? = nil, avatar: Date? = nil, avatarError: String? = nil
    ) -> HTML {
        Layout.client(
            page, title: page.t("profile.title"),
            content: .group(
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "profile"),
                    UI.alert(error),
                    .div(
                        .class("field"), .label(.text(page.t("field.email"))),
                        .p(.attribute(named: "data-testid", value: "profile-email"), .text(user.email))),
                    .if(
                        user.isOwner,
                        .group(
                            .div(.class("field"), .label(.text(page.t("field.name"))), .p(.text(user.name))),
                            .p(
                                .class("muted"), .attribute(named: "data-testid", value: "owner-fixed"),
                                .text(page.t("profile.owner_fixed")))),
                        else: .form(
                            .method(.post), .action(SiteURL.profile.path), .class("stack"), UI.csrfField(page),
                            UI.field(label: page.t("field.name"), name: "name", value: user.name, autocomplete: "name"),
                            UI.submit(page.t("users.save"))))),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "password-change"),
                    .h2(.text(page.t("profile.password_title"))),
                    UI.alert(passwordError),
                    .form(
                        .method(.post), .action(SiteURL.profilePassword.path), .class("stack"), UI.csrfField(page),
                        UI.field(
                            label: page.t("profile.current_password"), name: "current", type: .password, autocomplete: "current-password"),
                        UI.newPasswordField(page, label: page.t("field.new_password")),
                        .p(.class("muted"), .text(page.t("profile.password_hint"))),
                        UI.submit(page.t("profile.password_submit")))),
                avatarSection(page, updatedAt: avatar, error: avatarError),
                phoneSection(page, phone, error: phoneError, typedNumber: typedNumber),
                alternativeEmails(page, emails, error: emailsError),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "personal-data"),
                    .h2(.text(page.t("personal_data.title"))),
                    .p(
                        .class("muted"), .text(page.t("personal_data.intro") + " "),
                        .a(.href(SiteURL.privacyPolicy.path), .text(page.t("personal_data.policy_link")))),
                    .form(
                        .method(.post), .action(SiteURL.personalDataExport.path), UI.csrfField(page),
                        .button(
                            .type(.submit), .class("btn btn-secondary"), .attribute(named: "data-testid", value: "personal-data-export"),
                            .text(page.t("personal_data.export")))),
                    .forEach(requests) { request in
                        .p(
                            .attribute(named: "data-testid", value: "privacy-request"),
                            .text(page.t("privacy.kind." + request.kind.rawValue) + " · " + page.dateTime(request.createdAt) + " · "),
                            .span(
                                .class(request.status == .open ? "tag tag-warn" : "tag tag-ok"),
                                .attribute(named: "data-testid", value: "privacy-status"),
                                .text(page.t("privacy.status." + request.status.rawValue))),
                            .unwrap(request.answer) { .span(.class("muted"), .text(" " + $0)) })
                    },
                    .forEach(PrivacyRequestKind.allCases) { kind in
                        .form(
                            .method(.post), .action(SiteURL.privacyRequest(kind).path), .class("inline-form"), UI.csrfField(page),
                            .attribute(named: "data-confirm", value: page.t("privacy.confirm." + kind.rawValue)),
                            .input(
                                .type(.text), .name("message"), .attribute(named: "maxlength", value: "2000"),
                                .attribute(named: "aria-label", value: page.t("privacy.message")),
                                .attribute(named: "placeholder", value: page.t("privacy.message"))),
                            .button(
                                .type(.submit), .class("btn btn-ghost"),
                                .attribute(named: "data-testid", value: "privacy-" + kind.rawValue),
                                .text(page.t("privacy.ask." + kind.rawValue))))
                    })
            ))
    }

    /// The second step of a login: the code from the authenticator, or a recovery code.
    static func loginCode(
        _ page: PageContext, next: String?, error: String? = nil, action: SiteURL = .loginCode, back: SiteURL = .login
    ) -> HTML {
        Layout.card(
            page, title: page.t("login_code.title"),
            content: .group(
                UI.alert(error),
                .p(.text(page.t("login_code.text"))),
                .form(
                    .method(.post), .action(action.path), .class("stack"),
                    .attribute(named: "data-testid", value: "login-code-form"), UI.csrfField(page),
                    .unwrap(next) { UI.hidden("next", $0) },
                    .div(
                        .class("field"),
                        .label(.for("f-code"), .text(page.t("two_factor.code"))),
                        .input(
                            .type(.text), .name("code"), .id("f-code"), .required(true), .attribute(named: "inputmode", value: "numeric"),
                            .attribute(named: "autocomplete", value: "one-time-code"), .attribute(named: "maxlength", value: "11"),
                            .attribute(named: "autofocus", value: "autofocus")),
                        .p(.class("hint"), .text(page.t("login_code.hint")))),
                    UI.submit(page.t("login_code.submit"))),
                .div(.class("auth-links"), .a(.href(back.path), .text(page.t("login_code.back"))))
            ))
    }
}

/// A browser as people name it, from its User-Agent: "Firefox on Linux". Only the family and the
/// system, which is what someone checking "was this me?" recognises.
enum Browsers {
    static func describe(_ userAgent: String?, _ page: PageContext) -> String {
        guard let agent = userAgent, !agent.isEmpty else { return page.t("sessions.unknown_browser") }
        let browsers = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        let systems = [
            ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux")
        ]
        let browser = browsers.first { agent.contains($0.0) }?.1
        let system = systems.first { agent.contains($0.0) }?.1
        switch (browser, system) {
        case (let browser?, let system?): return page.t("sessions.browser_on", ["browser": browser, "system": system])
        case (let browser?, nil): return browser
        default: return String(agent.prefix(60))
        }
    }
}
