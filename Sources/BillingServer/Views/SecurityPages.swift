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

    static func security(_ page: PageContext, twoFactor: TwoFactorView, error: String? = nil) -> HTML {
        Layout.client(
            page, title: page.t("security.title"),
            content: .group(
                UI.alert(error),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "two-factor"),
                    .h2(.text(page.t("two_factor.title"))),
                    .unwrap(twoFactor.recoveryCodes) { recoveryCodes(page, $0) },
                    twoFactorBody(page, twoFactor))
            ))
    }

    private static func twoFactorBody(_ page: PageContext, _ view: TwoFactorView) -> Node<HTML.BodyContext> {
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
                codeForm(page, action: .recoveryCodes, submit: "two_factor.new_codes", style: "secondary"),
                codeForm(page, action: .twoFactorDisable, submit: "two_factor.disable", style: "danger"))
        }
        if let enrolment = view.enrolment {
            return .group(
                .p(.text(page.t("two_factor.scan"))),
                .div(.class("qr"), .attribute(named: "data-testid", value: "totp-qr"), .raw(enrolment.qrSVG)),
                .p(
                    .class("muted"), .text(page.t("two_factor.or_type") + " "),
                    .code(.attribute(named: "data-testid", value: "totp-secret"), .text(enrolment.secret))),
                codeForm(page, action: .twoFactorConfirm, submit: "two_factor.confirm", style: "primary"))
        }
        return .group(
            .p(
                .span(
                    .class("tag tag-muted"), .attribute(named: "data-testid", value: "two-factor-status"), .text(page.t("two_factor.off")))
            ),
            .p(.class("muted"), .text(page.t("two_factor.intro"))),
            .form(
                .method(.post), .action(SiteURL.securityAction(.twoFactorStart).path), UI.csrfField(page),
                .button(
                    .type(.submit), .class("btn btn-primary"), .attribute(named: "data-testid", value: "two-factor-start"),
                    .text(page.t("two_factor.start")))))
    }

    private static func codeForm(_ page: PageContext, action: SecurityAction, submit: String, style: String) -> Node<HTML.BodyContext> {
        .form(
            .method(.post), .action(SiteURL.securityAction(action).path), .class("inline-form"),
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

    /// The second step of a login: the code from the authenticator, or a recovery code.
    static func loginCode(_ page: PageContext, next: String?, error: String? = nil) -> HTML {
        Layout.card(
            page, title: page.t("login_code.title"),
            content: .group(
                UI.alert(error),
                .p(.text(page.t("login_code.text"))),
                .form(
                    .method(.post), .action(SiteURL.loginCode.path), .class("stack"),
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
                .div(.class("auth-links"), .a(.href(SiteURL.login.path), .text(page.t("login_code.back"))))
            ))
    }
}
