import BillingDomain
import Plot
import Vapor

/// An error page in the user's language: a refusal's text, or for a failure of ours "something
/// went wrong" with the request's reference for support, and nothing else.
struct ErrorPage {
    let status: HTTPStatus
    let message: (any Refusal)?
    var reference: String?

    func render(for request: Request) async throws -> Response {
        let page = PageContext(request)
        let title = page.t("error.title", ["code": String(status.code)])
        let content: Node<HTML.BodyContext> = .div(
            .class("error-box"),
            .p(.class("error-code"), .text(String(status.code))),
            .p(.attribute(named: "data-testid", value: "error-message"), .text(message.map(page.message) ?? page.t("error.internal"))),
            .unwrap(reference) {
                .p(
                    .class("muted"), .attribute(named: "data-testid", value: "error-reference"),
                    .text(page.t("error.reference", ["id": $0])))
            },
            .a(
                .class("btn btn-secondary"),
                .href(request.url.path.hasPrefix(SiteURL.staff(.clients).path) ? SiteURL.staff(.clients).path : "/"),
                .text(page.t("error.home"))))
        return Layout.card(page, title: title, content: content).response(status: status)
    }
}
