import BillingDomain
import BillingEngine
import Foundation
import Plot

/// The pool of dedicated servers (SVC-2): each server with its BMC and the service it runs, the
/// form that adds one, and removal of a free one. The BMC password is asked for, never shown.
enum StaffServerPages {
    static func list(_ page: PageContext, servers: [ServerPool.Server], error: String?, typed: [String: String] = [:]) -> HTML {
        let rows: Node<HTML.TableContext> = .tbody(
            .forEach(servers) { server in
                .tr(
                    .attribute(named: "data-testid", value: "pool-server"),
                    .td(.attribute(named: "data-label", value: page.t("servers.name")), .strong(.text(server.name))),
                    .td(.attribute(named: "data-label", value: page.t("servers.address")), .code(.text(server.address))),
                    .td(
                        .attribute(named: "data-label", value: page.t("servers.bmc")),
                        .code(.text("\(server.bmcUser)@\(server.bmcHost):\(server.bmcPort)"))),
                    .td(
                        .attribute(named: "data-label", value: page.t("servers.runs")),
                        .attribute(named: "data-testid", value: "pool-server-service"),
                        server.serviceID.map { id in
                            .a(.href(SiteURL.staff(.service(.value(id))).path), .text("#\(server.serviceNumber.map(String.init) ?? "—")"))
                        } ?? .span(.class("tag tag-ok"), .text(page.t("servers.free")))),
                    .td(
                        .attribute(named: "data-label", value: page.t("servers.notes")), .class("muted small"), .text(server.notes)),
                    .td(
                        server.serviceID == nil
                            ? .form(
                                .method(.post), .action(SiteURL.staff(.serverRemove(.value(server.id))).path), UI.csrfField(page),
                                .attribute(
                                    named: "data-confirm", value: UI.escape(page.t("servers.remove_confirm", ["name": server.name]))),
                                UI.submit(page.t("servers.remove"), style: "secondary")) : .empty))
            })
        return Layout.staff(
            page, title: page.t("servers.title"),
            content: .group(
                UI.alert(error),
                .section(
                    .class("widget widget-wide"), .attribute(named: "data-testid", value: "server-pool"),
                    .h2(.text(page.t("servers.title"))),
                    .p(.class("muted"), .text(page.t("servers.intro"))),
                    servers.isEmpty
                        ? .p(.class("muted"), .attribute(named: "data-testid", value: "pool-empty"), .text(page.t("servers.empty")))
                        : .table(
                            .class("data cards"),
                            .thead(
                                .tr(
                                    .th(.text(page.t("servers.name"))), .th(.text(page.t("servers.address"))),
                                    .th(.text(page.t("servers.bmc"))), .th(.text(page.t("servers.runs"))),
                                    .th(.text(page.t("servers.notes"))), .th())),
                            rows)),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "server-add"),
                    .h2(.text(page.t("servers.add"))),
                    .form(
                        .method(.post), .action(SiteURL.staff(.servers).path), .class("stack"), UI.csrfField(page),
                        UI.field(
                            label: page.t("servers.name"), name: "name", value: typed["name"] ?? "", hint: page.t("servers.name_hint")),
                        UI.field(label: page.t("servers.address"), name: "address", value: typed["address"] ?? ""),
                        UI.field(label: page.t("servers.bmc_host"), name: "bmc_host", value: typed["bmc_host"] ?? ""),
                        UI.field(
                            label: page.t("servers.bmc_port"), name: "bmc_port", type: .number, value: typed["bmc_port"] ?? "623"),
                        UI.field(
                            label: page.t("servers.bmc_user"), name: "bmc_user", value: typed["bmc_user"] ?? "", autocomplete: "off"),
                        // Never sent back into the page, even after a refusal.
                        UI.field(
                            label: page.t("servers.bmc_password"), name: "bmc_password", type: .password, autocomplete: "new-password",
                            hint: page.t("servers.bmc_password_hint")),
                        UI.field(label: page.t("servers.notes"), name: "notes", value: typed["notes"] ?? "", required: false),
                        UI.submit(page.t("servers.add"))))
            ))
    }
}
