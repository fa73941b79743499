import BillingDomain
import BillingEngine
import Foundation
import Plot

/// Login, sign-up and password-reset pages of the client area, and the staff login.
enum AuthPages {
    static func login(
        _ page: PageContext, email: String = "", error: String? = nil, next: String? = nil,
        action: String = SiteURL.login.path, staff: Bool = false
    ) -> HTML {
        Layout.card(
            page, title: page.t(staff ? "admin.login.title" : "login.title"),
            content: .group(
                UI.alert(error),
                .form(
                    .method(.post), .action(action), .class("stack"),
                    UI.csrfField(page),
                    .unwrap(next) { UI.hidden("next", $0) },
                    UI.field(label: page.t("field.email"), name: "email", type: .email, value: email, autocomplete: "username"),
                    UI.field(label: page.t("field.password"), name: "password", type: .password, autocomplete: "current-password"),
                    UI.submit(page.t("login.submit"))),
                .if(
                    !staff,
                    .div(
                        .class("auth-links"),
                        .a(.href(SiteURL.passwordForgot.path), .text(page.t("login.forgot"))),
                        .span(.text(page.t("login.no_account")), .a(.href(SiteURL.signUp.path), .text(page.t("login.signup_link"))))))
            ))
    }

    struct SignUpValues {
        var email = ""
        var name = ""
        var country = ""
    }

    static func signUp(_ page: PageContext, values: SignUpValues, error: String? = nil) -> HTML {
        let countries = Countries.codes
            .map { (value: $0, title: Countries.name($0, in: page.language)) }
            .sorted { $0.title.localizedCompare($1.title) == .orderedAscending }
        return Layout.card(
            page, title: page.t("signup.title"),
            content: .group(
                .p(.class("muted"), .text(page.t("signup.lead"))),
                UI.alert(error),
                .form(
                    .method(.post), .action(SiteURL.signUp.path), .class("stack"),
                    UI.csrfField(page),
                    UI.field(label: page.t("field.name"), name: "name", value: values.name, autocomplete: "name"),
                    UI.field(label: page.t("field.email"), name: "email", type: .email, value: values.email, autocomplete: "email"),
                    UI.newPasswordField(page, label: page.t("field.password")),
                    UI.select(label: page.t("field.country"), name: "country", options: countries, selected: values.country),
                    UI.submit(page.t("signup.submit"))),
                .div(
                    .class("auth-links"),
                    .span(.text(page.t("signup.have_account")), .a(.href(SiteURL.login.path), .text(page.t("signup.login_link")))))
            ))
    }

    /// The one answer to a sign-up, whether or not the address already had an account.
    static func signUpSent(_ page: PageContext, email: String) -> HTML {
        Layout.card(
            page, title: page.t("signup.sent.title"),
            content: .group(
                .div(
                    .class("alert alert-success"), .attribute(named: "data-testid", value: "signup-sent"),
                    .text(page.t("signup.sent.text", ["email": String(email.prefix(254))]))),
                .p(.class("muted"), .text(page.t("signup.sent.hint"))),
                .div(.class("auth-links"), .a(.href(SiteURL.login.path), .text(page.t("signup.login_link"))))
            ))
    }

    static func signUpConfirm(_ page: PageContext, token: String, error: String? = nil) -> HTML {
        Layout.card(
            page, title: page.t("signup.confirm.title"),
            content: .group(
                UI.alert(error),
                .p(.text(page.t("signup.confirm.text"))),
                .form(
                    .method(.post), .action(SiteURL.signUpConfirm(.value(UI.escape(token))).path), .class("stack"),
                    UI.csrfField(page),
                    UI.newPasswordField(page, label: page.t("field.password")),
                    UI.submit(page.t("signup.confirm.submit")))
            ))
    }

    /// The link of another address's confirmation: one button (mail scanners open links).
    static func emailConfirm(_ page: PageContext, token: String) -> HTML {
        Layout.card(
            page, title: page.t("emails.confirm.title"),
            content: .group(
                .p(.text(page.t("emails.confirm.text"))),
                .form(
                    .method(.post), .action(SiteURL.emailConfirm(.value(UI.escape(token))).path), .class("stack"),
                    .attribute(named: "data-testid", value: "email-confirm-form"), UI.csrfField(page),
                    UI.submit(page.t("emails.confirm.submit")))))
    }

    static func emailConfirmed(_ page: PageContext, email: String?) -> HTML {
        Layout.card(
            page, title: page.t("emails.confirm.title"),
            content: .p(
                .attribute(named: "data-testid", value: "email-confirm-result"),
                .text(email.map { page.t("emails.confirm.done", ["email": $0]) } ?? page.t("emails.confirm.expired"))))
    }

    /// The page of an e-mailed sign-in link: one button, so a mail scanner opening the link
    /// signs nobody in.
    static func signInLink(_ page: PageContext, action: String) -> HTML {
        Layout.card(
            page, title: page.t("signin.title"),
            content: .group(
                .p(.text(page.t("signin.text"))),
                .form(
                    .method(.post), .action(action), .class("stack"), .attribute(named: "data-testid", value: "signin-link-form"),
                    UI.csrfField(page), UI.submit(page.t("signin.submit")))
            ))
    }

    static func signInLinkExpired(_ page: PageContext, loginPath: String) -> HTML {
        Layout.card(
            page, title: page.t("signin.title"),
            content: .group(
                UI.alert(page.t("signin.link_expired")),
                .div(.class("auth-links"), .a(.href(loginPath), .text(page.t("signup.login_link"))))
            ))
    }

    static func signUpLinkExpired(_ page: PageContext) -> HTML {
        Layout.card(
            page, title: page.t("signup.confirm.title"),
            content: .group(
                UI.alert(page.t("signup.confirm.expired")),
                .div(.class("auth-links"), .a(.href(SiteURL.login.path), .text(page.t("signup.login_link"))))
            ))
    }

    static func forgot(_ page: PageContext, sent: Bool, error: String? = nil) -> HTML {
        Layout.card(
            page, title: page.t("forgot.title"),
            content: .group(
                UI.alert(sent ? page.t("forgot.sent") : nil, kind: "success"),
                UI.alert(error),
                .p(.class("muted"), .text(page.t("forgot.lead"))),
                .form(
                    .method(.post), .action(SiteURL.passwordForgot.path), .class("stack"),
                    UI.csrfField(page),
                    UI.field(label: page.t("field.email"), name: "email", type: .email, autocomplete: "username"),
                    UI.submit(page.t("forgot.submit"))),
                .div(.class("auth-links"), .a(.href(SiteURL.login.path), .text(page.t("forgot.back"))))
            ))
    }

    static func reset(_ page: PageContext, token: String, error: String? = nil) -> HTML {
        Layout.card(
            page, title: page.t("reset.title"),
            content: .group(
                UI.alert(error),
                .form(
                    .method(.post), .action(SiteURL.passwordReset(.value(token)).path), .class("stack"),
                    UI.csrfField(page),
                    UI.newPasswordField(page, label: page.t("field.new_password")),
                    UI.submit(page.t("reset.submit")))
            ))
    }

    static func resetExpired(_ page: PageContext) -> HTML {
        Layout.card(
            page, title: page.t("reset.title"),
            content: .group(
                UI.alert(page.t("reset.expired")),
                .div(.class("auth-links"), .a(.href(SiteURL.passwordForgot.path), .text(page.t("reset.request_new"))))
            ))
    }
}
