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
                        .attribute(named: "data-label", value: page.t("servers.switch")),
                        .attribute(named: "data-testid", value: "pool-server-switch"),
                        server.switchHost.map { host in
                            .code(
                                .text(
                                    "\(host):\(server.switchPort ?? 161) · "
                                        + page.t("servers.switch_port_index", ["index": String(server.switchInterface ?? 0)])))
                        } ?? .span(.class("muted"), .text("—"))),
                    .td(
                        .attribute(named: "data-label", value: page.t("servers.runs")),
                        .attribute(named: "data-testid", value: "pool-server-service"),
                        server.serviceID.map { id in
                            .a(.href(SiteURL.staff(.service(.value(id))).path), .text("#\(server.serviceNumber.map(String.init) ?? "—")"))
                        } ?? .span(.class("tag tag-ok"), .text(page.t("servers.free")))),
                    .td(
                        .attribute(named: "data-label", value: page.t("servers.notes")), .class("muted small"), .text(server.notes)),
                    .td(
                        .div(
                            .class("actions"),
                            .a(
                                .class("btn btn-secondary"), .attribute(named: "data-testid", value: "pool-server-edit"),
                                .href(SiteURL.staff(.server(.value(server.id))).path), .text(page.t("servers.edit"))),
                            server.serviceID == nil
                                ? .form(
                                    .method(.post), .action(SiteURL.staff(.serverRemove(.value(server.id))).path), UI.csrfField(page),
                                    .attribute(
                                        named: "data-confirm", value: UI.escape(page.t("servers.remove_confirm", ["name": server.name]))),
                                    UI.submit(page.t("servers.remove"), style: "secondary")) : .empty)))
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
                                    .th(.text(page.t("servers.bmc"))), .th(.text(page.t("servers.switch"))),
                                    .th(.text(page.t("servers.runs"))),
                                    .th(.text(page.t("servers.notes"))), .th())),
                            rows)),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "server-add"),
                    .h2(.text(page.t("servers.add"))),
                    .form(
                        .method(.post), .action(SiteURL.staff(.servers).path), .class("stack"), UI.csrfField(page),
                        fields(page, typed: typed, editing: false),
                        UI.submit(page.t("servers.add"))))
            ))
    }

    /// One server's form to change its details; the BMC password and the community are asked
    /// for again only to change them.
    static func edit(_ page: PageContext, id: UUID, server: ServerPool.Server?, typed: [String: String], error: String?) -> HTML {
        Layout.staff(
            page, title: typed["name"] ?? page.t("servers.title"),
            content: .group(
                .p(.a(.href(SiteURL.staff(.servers).path), .text("← " + page.t("servers.title")))),
                UI.alert(error),
                .section(
                    .class("widget"), .attribute(named: "data-testid", value: "server-edit"),
                    .h2(.text(page.t("servers.edit_title", ["name": typed["name"] ?? ""]))),
                    server?.serviceNumber.map { number in
                        .p(.class("muted"), .text(page.t("servers.edit_runs", ["number": String(number)])))
                    } ?? .empty,
                    .form(
                        .method(.post), .action(SiteURL.staff(.server(.value(id))).path), .class("stack"), UI.csrfField(page),
                        fields(page, typed: typed, editing: true),
                        UI.submit(page.t("servers.save"))))))
    }

    /// The fields of a server, for adding one and for editing one (`editing`: the secrets may
    /// stay empty to keep them). The BMC password and the community are never sent back.
    static func fields(_ page: PageContext, typed: [String: String], editing: Bool) -> Node<HTML.FormContext> {
        .group(
            UI.field(label: page.t("servers.name"), name: "name", value: typed["name"] ?? "", hint: page.t("servers.name_hint")),
            UI.field(label: page.t("servers.address"), name: "address", value: typed["address"] ?? ""),
            UI.field(label: page.t("servers.bmc_host"), name: "bmc_host", value: typed["bmc_host"] ?? ""),
            UI.field(label: page.t("servers.bmc_port"), name: "bmc_port", type: .number, value: typed["bmc_port"] ?? "623"),
            UI.field(label: page.t("servers.bmc_user"), name: "bmc_user", value: typed["bmc_user"] ?? "", autocomplete: "off"),
            UI.field(
                label: page.t("servers.bmc_password"), name: "bmc_password", type: .password, required: !editing,
                autocomplete: "new-password", hint: page.t(editing ? "servers.keep_secret_hint" : "servers.bmc_password_hint")),
            UI.field(label: page.t("servers.notes"), name: "notes", value: typed["notes"] ?? "", required: false),
            .div(
                .class("stack"), .attribute(named: "data-testid", value: "server-switch"),
                .h3(.text(page.t("servers.switch_legend"))),
                .p(.class("muted small"), .text(page.t("servers.switch_intro"))),
                UI.field(label: page.t("servers.switch_host"), name: "switch_host", value: typed["switch_host"] ?? "", required: false),
                UI.field(
                    label: page.t("servers.switch_agent_port"), name: "switch_port", type: .number, value: typed["switch_port"] ?? "161",
                    required: false),
                UI.field(
                    label: page.t("servers.switch_community"), name: "switch_community", type: .password, required: false,
                    autocomplete: "off", hint: editing ? page.t("servers.keep_secret_hint") : nil),
                UI.field(
                    label: page.t("servers.switch_interface"), name: "switch_interface", type: .number,
                    value: typed["switch_interface"] ?? "", required: false, hint: page.t("servers.switch_interface_hint"))))
    }
}
