import BillingDomain
import BillingEngine
import Foundation
import Plot

/// The privacy policy's pages: the public one (a version's text, the list of versions) and the
/// staff one (the versions and the form that publishes the next).
enum PolicyPages {
    /// Plain text as paragraphs: a blank line starts a new one. Never HTML: staff type text.
    static func paragraphs(_ text: String) -> Node<HTML.BodyContext> {
        .div(
            .class("policy-text"), .attribute(named: "data-testid", value: "policy-text"),
            .forEach(text.components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) { paragraph in
                .p(
                    .forEach(Array(paragraph.split(separator: "\n", omittingEmptySubsequences: false).enumerated())) { index, line in
                        .group(.if(index > 0, .br()), .text(String(line)))
                    })
            })
    }

    static func versionList(_ page: PageContext, _ versions: [PrivacyPolicyVersion], current: Int?) -> Node<HTML.BodyContext> {
        .ul(
            .class("policy-versions"), .attribute(named: "data-testid", value: "policy-versions"),
            .forEach(versions) { version in versionLine(page, version, current: current) })
    }

    private static func versionLine(_ page: PageContext, _ version: PrivacyPolicyVersion, current: Int?) -> Node<HTML.ListContext> {
        let label = page.t("policy.version_line", ["version": String(version.version), "date": page.date(version.publishedAt)])
        let link: Node<HTML.BodyContext> =
            version.version == current
            ? .strong(.text(label)) : .a(.href(SiteURL.privacyPolicyVersion(.value(String(version.version))).path), .text(label))
        return .li(link, .if(!version.summary.isEmpty, .span(.class("muted"), .text(" · " + version.summary))))
    }

    static func policy(_ page: PageContext, shown: PrivacyPolicyVersion?, versions: [PrivacyPolicyVersion]) -> HTML {
        let content: Node<HTML.BodyContext> =
            if let shown {
                shownVersion(page, shown, versions: versions)
            } else {
                .p(.class("empty"), .attribute(named: "data-testid", value: "policy-none"), .text(page.t("policy.none")))
            }
        return Layout.card(page, title: page.t("policy.title"), wide: true, content: content)
    }

    private static func shownVersion(_ page: PageContext, _ shown: PrivacyPolicyVersion, versions: [PrivacyPolicyVersion]) -> Node<
        HTML.BodyContext
    > {
        let key = shown.version == versions.first?.version ? "policy.current" : "policy.earlier"
        let line = page.t(key, ["version": String(shown.version), "date": page.date(shown.publishedAt)])
        return .group(
            .p(.class("muted"), .attribute(named: "data-testid", value: "policy-version"), .text(line)),
            .if(!shown.inRequestedLanguage, .p(.class("muted small"), .text(page.t("policy.other_language")))),
            paragraphs(shown.text),
            .if(versions.count > 1, .group(.h2(.text(page.t("policy.versions"))), versionList(page, versions, current: shown.version))))
    }

    static func staff(
        _ page: PageContext, versions: [PrivacyPolicyVersion], drafts: [BillingDomain.Language: String], summary: String, error: String?
    ) -> HTML {
        Layout.staff(
            page, title: page.t("policy.title"),
            content: .group(
                .p(.class("muted"), .text(page.t("policy.staff_intro"))),
                .if(
                    versions.isEmpty, .p(.class("empty"), .text(page.t("policy.none"))),
                    else: .group(
                        .p(.a(.href(SiteURL.privacyPolicy.path), .text(page.t("policy.open_public")))),
                        versionList(page, versions, current: nil))),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "policy-publish"),
                    .h2(.text(page.t("policy.publish_title", ["version": String((versions.first?.version ?? 0) + 1)]))),
                    UI.alert(error),
                    .form(
                        .method(.post), .action(SiteURL.staff(.privacyPolicy).path), .class("stack policy-form"), UI.csrfField(page),
                        .forEach(BillingDomain.Language.allCases) { language in
                            .div(
                                .class("field"),
                                .label(
                                    .for("policy-" + language.rawValue), .text(page.t("policy.text_in", ["language": language.nativeName]))),
                                .textarea(
                                    .name("text_" + language.rawValue), .id("policy-" + language.rawValue),
                                    .attribute(named: "maxlength", value: String(PrivacyPolicy.maximumLength)),
                                    .text(drafts[language] ?? "")))
                        },
                        UI.field(label: page.t("policy.summary"), name: "summary", value: summary, required: false),
                        .p(.class("muted"), .text(page.t("policy.publish_hint"))),
                        UI.submit(page.t("policy.publish"))))))
    }
}
