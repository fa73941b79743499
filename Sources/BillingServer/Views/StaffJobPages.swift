import BillingDomain
import BillingEngine
import Foundation
import Plot

/// The job queue for staff: a table of counts per kind and status, then the jobs of the chosen
/// status (or of one service) with attempts, when they run next and the last error.
enum StaffJobPages {
    static func statusTag(_ page: PageContext, _ status: JobStatus) -> Node<HTML.BodyContext> {
        let style =
            switch status {
            case .done: "tag tag-ok"
            case .failed: "tag tag-bad"
            case .running, .queued: "tag tag-warn"
            case .cancelled: "tag"
            }
        return .span(.class(style), .attribute(named: "data-testid", value: "job-status"), .text(page.t("job.status." + status.rawValue)))
    }

    static func kindName(_ page: PageContext, _ kind: JobKind) -> String {
        page.t("job.kind." + kind.rawValue.replacingOccurrences(of: ".", with: "_"))
    }

    static func list(_ page: PageContext, counts: [JobKindCount], jobs: [Job], status: JobStatus?, serviceID: UUID?) -> HTML {
        let statuses = JobStatus.allCases
        let countTable: Node<HTML.BodyContext> = .if(
            counts.isEmpty, .p(.class("empty"), .text(page.t("jobs.none_yet"))),
            else: .table(
                .class("data compact cards cards-grid"), .attribute(named: "data-testid", value: "job-counts"),
                .thead(
                    .tr(
                        .th(.text(page.t("jobs.col.kind"))),
                        .forEach(statuses) { .th(.class("num"), .text(page.t("job.status." + $0.rawValue))) })),
                .tbody(
                    .forEach(counts) { row in
                        .tr(
                            .attribute(named: "data-testid", value: "job-count-" + row.kind.rawValue),
                            .td(.text(kindName(page, row.kind))),
                            .forEach(statuses) { status in
                                .td(
                                    .class("num"), .attribute(named: "data-testid", value: "count-" + status.rawValue),
                                    .attribute(named: "data-label", value: page.t("job.status." + status.rawValue)),
                                    .if(
                                        row.count(status) > 0,
                                        .a(
                                            .href(SiteURL.staff(.jobs).path(["status": status.rawValue])),
                                            .text(String(row.count(status)))),
                                        else: .text("0")))
                            })
                    })))
        let tabs: Node<HTML.BodyContext> = .nav(
            .class("tabs"),
            .forEach(statuses) { each in
                .a(
                    .class(each == status ? "tab active" : "tab"), .href(SiteURL.staff(.jobs).path(["status": each.rawValue])),
                    .text(page.t("job.status." + each.rawValue)))
            })
        let heading =
            serviceID == nil
            ? page.t("jobs.of_status", ["status": page.t("job.status." + (status ?? .failed).rawValue)]) : page.t("jobs.of_service")
        return Layout.staff(
            page, title: page.t("jobs.title"),
            content: .group(
                .p(.class("muted"), .text(page.t("jobs.lead"))),
                countTable,
                tabs,
                .h2(.text(heading)),
                table(page, jobs, actions: true)))
    }

    /// Jobs as rows (cards on a phone), with Retry and Cancel when `actions` (the `jobs.manage`
    /// right; the forms go to that right's routes).
    static func table(_ page: PageContext, _ jobs: [Job], actions: Bool) -> Node<HTML.BodyContext> {
        let rows: Node<HTML.TableContext> = .tbody(
            .forEach(jobs) { job in
                .tr(
                    .attribute(named: "data-testid", value: "job"),
                    .td(.attribute(named: "data-label", value: page.t("jobs.col.kind")), .text(kindName(page, job.kind))),
                    .td(
                        .attribute(named: "data-label", value: page.t("jobs.col.key")), .code(.class("small"), .text(job.idempotencyKey))),
                    .td(.attribute(named: "data-label", value: page.t("jobs.col.status")), statusTag(page, job.status)),
                    .td(
                        .class("num"), .attribute(named: "data-label", value: page.t("jobs.col.attempts")),
                        .attribute(named: "data-testid", value: "job-attempts"), .text("\(job.attempts) / \(job.maxAttempts)")),
                    .td(
                        .attribute(named: "data-label", value: page.t("jobs.col.when")),
                        .text(page.dateTime(job.status == .queued ? job.runAfter : (job.finishedAt ?? job.createdAt)))),
                    // No label on a phone card when there is no error to label.
                    .unwrap(
                        job.lastError,
                        {
                            .td(
                                .attribute(named: "data-label", value: page.t("jobs.col.error")),
                                .span(.class("small"), .attribute(named: "data-testid", value: "job-error"), .text($0)))
                        }, else: .td()),
                    .td(
                        .class("row-actions"),
                        .if(
                            actions && (job.status == .failed || job.status == .cancelled),
                            .form(
                                .method(.post), .action(SiteURL.staff(.jobRetry(.value(job.id))).path), UI.csrfField(page),
                                .button(
                                    .type(.submit), .class("btn btn-secondary btn-small"),
                                    .attribute(named: "data-testid", value: "job-retry"),
                                    .text(page.t("jobs.retry"))))),
                        .if(
                            actions && (job.status == .queued || job.status == .failed),
                            .form(
                                .method(.post), .action(SiteURL.staff(.jobCancel(.value(job.id))).path), UI.csrfField(page),
                                .button(
                                    .type(.submit), .class("btn btn-secondary btn-small"),
                                    .attribute(named: "data-testid", value: "job-cancel"), .text(page.t("jobs.cancel")))))))
            })
        return .if(
            jobs.isEmpty, .p(.class("empty"), .attribute(named: "data-testid", value: "jobs-empty"), .text(page.t("jobs.none"))),
            else: .table(
                .class("data cards"), .attribute(named: "data-testid", value: "jobs"),
                .thead(
                    .tr(
                        .th(.text(page.t("jobs.col.kind"))), .th(.text(page.t("jobs.col.key"))),
                        .th(.text(page.t("jobs.col.status"))),
                        .th(.class("num"), .text(page.t("jobs.col.attempts"))), .th(.text(page.t("jobs.col.when"))),
                        .th(.text(page.t("jobs.col.error"))), .th())),
                rows))
    }
}

/// A service as staff see it (`/admin/services/:id`): its parameters, its history with the
/// modules' error texts, and its jobs, with Retry and Cancel for those who manage the queue.
enum StaffServicePages {
    static func show(
        _ page: PageContext, service: Service, choices: ServiceLifecycle.StaffChoices, history: [ServiceHistoryEntry], jobs: [Job],
        managesJobs: Bool, error: String? = nil
    ) -> HTML {
        let offered = choices.actions
        let actions: Node<HTML.BodyContext> = .if(
            page.may(.staff(.serviceAction(.key, .suspend))) && !offered.isEmpty,
            .section(
                .class("widget"), .attribute(named: "data-testid", value: "staff-service-actions"),
                .h2(.text(page.t("staff.service.actions"))),
                .forEach(offered) { action in
                    .form(
                        .method(.post), .action(SiteURL.staff(.serviceAction(.value(service.id), action)).path),
                        .class("stack staff-action"),
                        .attribute(named: "data-testid", value: "staff-action-" + action.rawValue),
                        .attribute(named: "data-confirm", value: UI.escape(page.t("staff.service.confirm." + action.rawValue))),
                        UI.csrfField(page),
                        .if(
                            action == .reinstall,
                            UI.select(
                                label: page.t("service.reinstall_os"), name: "os", options: choices.systems.map { (value: $0, title: $0) },
                                selected: service.osImage)),
                        UI.field(
                            label: page.t("staff.service.reason"), name: "reason",
                            required: [.suspend, .abuse, .delete, .reinstall].contains(action),
                            hint: action == .suspend || action == .abuse ? page.t("staff.service.reason_hint") : nil),
                        UI.submit(
                            page.t("staff.service.action." + action.rawValue),
                            style: action == .resume || action == .retry ? "primary" : action == .reboot ? "secondary" : "danger"))
                }))
        let status =
            service.operation.map {
                "\(page.t("service.status." + service.status.rawValue)) · \(page.t("service.operation." + $0.rawValue))"
            }
            ?? page.t("service.status." + service.status.rawValue)
        let facts: [(String, String, String)] = [
            ("services.col.plan", service.planName.text(in: page.language), "staff-service-plan"),
            ("services.col.name", service.domainName, "staff-service-name"),
            ("services.col.status", status, "staff-service-status"),
            ("services.col.expires", service.expiresOn.iso, "staff-service-expires"),
            ("services.col.cost", page.money(service.recurringAmount), "staff-service-cost"),
            ("services.col.ip", service.ipAddress ?? "—", "staff-service-ip")
        ]
        return Layout.staff(
            page, title: "\(service.planName.text(in: page.language)) #\(service.number)",
            content: .group(
                .p(
                    .a(
                        .href(SiteURL.staff(.client(.value(service.accountID))).path),
                        .attribute(named: "data-testid", value: "staff-service-client"), .text(page.t("staff.service.client")))),
                UI.alert(error),
                .div(
                    .class("widgets"),
                    .section(
                        .class("widget"), .h2(.text(page.t("service.parameters"))),
                        .dl(
                            .class("facts"),
                            .forEach(facts) { fact in
                                .group(.dt(.text(page.t(fact.0))), .dd(.attribute(named: "data-testid", value: fact.2), .text(fact.1)))
                            })),
                    actions,
                    .section(
                        .class("widget widget-wide"), .attribute(named: "data-testid", value: "staff-service-jobs"),
                        .h2(.text(page.t("jobs.of_service"))), StaffJobPages.table(page, jobs, actions: managesJobs)),
                    ServicePages.historyTable(page, history, showsModuleErrors: true))))
    }
}

extension StaffServicePages {
    /// `/admin/services`: every client's services, by type, status, module and a search of the
    /// number, name, plan or address; each row leads to the service and to its client.
    static func list(
        _ page: PageContext, filter: ServiceLifecycle.ListFilter, services: Page<Service>, clients: [UUID: String], modules: [String]
    ) -> HTML {
        func link(page number: Int) -> String {
            SiteURL.staff(.services).path([
                "type": filter.type?.rawValue, "status": filter.status?.rawValue, "module": filter.module,
                "q": filter.search.isEmpty ? nil : filter.search, "page": String(number)
            ])
        }
        let typeOptions =
            [(value: "", title: page.t("services.all"))]
            + ProductType.allCases.map { (value: $0.rawValue, title: page.t("product_type." + $0.rawValue)) }
        let statusOptions =
            [(value: "", title: page.t("services.any_status"))]
            + ServiceStatus.allCases.map { (value: $0.rawValue, title: page.t("service.status." + $0.rawValue)) }
        let moduleOptions = [(value: "", title: page.t("admin.services.any_module"))] + modules.map { (value: $0, title: $0) }
        return Layout.staff(
            page, title: page.t("admin.services.title"),
            content: .group(
                .form(
                    .class("search filters wide"), .method(.get), .action(SiteURL.staff(.services).path),
                    UI.select(
                        label: page.t("admin.services.type"), name: "type", options: typeOptions, selected: filter.type?.rawValue ?? ""),
                    UI.select(
                        label: page.t("services.status"), name: "status", options: statusOptions, selected: filter.status?.rawValue ?? ""),
                    UI.select(
                        label: page.t("admin.services.module"), name: "module", options: moduleOptions, selected: filter.module ?? ""),
                    .input(
                        .type(.search), .name("q"), .value(UI.escape(filter.search)), .placeholder(page.t("services.search")),
                        .attribute(named: "aria-label", value: page.t("services.search"))),
                    .button(.type(.submit), .class("btn btn-secondary"), UI.icon("search"), .text(page.t("admin.clients.search")))),
                .p(
                    .class("muted"), .attribute(named: "data-testid", value: "staff-services-count"),
                    .text(page.t("services.count", ["count": String(services.total)]))),
                .if(
                    services.items.isEmpty, .p(.class("empty"), .text(page.t("services.none"))),
                    else: .table(
                        .class("data cards"), .attribute(named: "data-testid", value: "staff-service-list"),
                        .thead(
                            .tr(
                                .th(.text("ID")), .th(.text(page.t("services.col.plan"))), .th(.text(page.t("services.col.name"))),
                                .th(.text(page.t("admin.services.client"))), .th(.text(page.t("services.col.ip"))),
                                .th(.text(page.t("services.col.expires"))), .th(.text(page.t("services.col.status"))))),
                        .tbody(
                            .forEach(services.items) { service in
                                let link = SiteURL.staff(.service(.value(service.id))).path
                                return .tr(
                                    .attribute(named: "data-testid", value: "staff-service-row"),
                                    .td(.attribute(named: "data-label", value: "ID"), .a(.href(link), .text("#\(service.number)"))),
                                    .td(
                                        .attribute(named: "data-label", value: page.t("services.col.plan")),
                                        .a(.href(link), .text(service.planName.text(in: page.language)))),
                                    .td(
                                        .attribute(named: "data-label", value: page.t("services.col.name")),
                                        .text(service.domainName.isEmpty ? "—" : service.domainName)),
                                    .td(
                                        .attribute(named: "data-label", value: page.t("admin.services.client")),
                                        .a(
                                            .href(SiteURL.staff(.client(.value(service.accountID))).path),
                                            .text(clients[service.accountID] ?? "—"))),
                                    .td(.attribute(named: "data-label", value: page.t("services.col.ip")), .text(service.ipAddress ?? "—")),
                                    .td(
                                        .attribute(named: "data-label", value: page.t("services.col.expires")), .text(service.expiresOn.iso)
                                    ),
                                    .td(
                                        .attribute(named: "data-label", value: page.t("services.col.status")),
                                        .attribute(named: "data-testid", value: "staff-service-row-status"),
                                        ServicePages.statusTag(page, service.status)))
                            }))),
                Pager.render(page, current: services.request.number, pages: services.pageCount, link: link(page:))))
    }
}
