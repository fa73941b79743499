import Plot
import Vapor

/// An error page in the user's language, inside the client or staff frame when someone is logged
/// in, else on the plain card.
struct ErrorPage {
    let status: HTTPStatus
    let messageKey: String

    func render(for request: Request) async throws -> Response {
        let page = PageContext(request)
        let title = page.t("error.title", ["code": String(status.code)])
        let content: Node<HTML.BodyContext> = .div(
            .class("error-box"),
            .p(.class("error-code"), .text(String(status.code))),
            .p(.text(page.t(messageKey))),
            .a(.class("btn btn-secondary"), .href(request.url.path.hasPrefix("/admin") ? "/admin" : "/"), .text(page.t("error.home"))))
        return Layout.card(page, title: title, content: content).response(status: status)
    }
}
