import BillingDomain
import BillingEngine
import Foundation
import Plot

/// Staff pages for the catalog and the billing rules.
enum StaffCatalogPages {
    static func typeOptions(_ page: PageContext) -> [(value: String, title: String)] {
        ProductType.allCases.map { (value: $0.rawValue, title: page.t("product_type." + $0.rawValue)) }
    }

    static func list(_ page: PageContext, offers: [PlanOffer], error: String?) -> HTML {
        Layout.staff(
            page, title: page.t("admin.catalog.title"),
            content: .group(
                UI.alert(error),
                .table(
                    .class("data"), .attribute(named: "data-testid", value: "plan-list"),
                    .thead(
                        .tr(
                            .th(.text(page.t("admin.catalog.plan"))), .th(.text(page.t("service.type"))),
                            .th(.text(page.t("admin.catalog.prices", ["currency": page.t("admin.catalog.default_currency")]))),
                            .th(.text(page.t("admin.catalog.addons"))), .th(.text(page.t("admin.clients.status"))))),
                    .tbody(
                        .forEach(offers) { offer in
                            .tr(
                                .td(.a(.href(SiteURL.staff(.plan(.value(offer.id))).path), .text(offer.plan.name))),
                                .td(.text(page.t("product_type." + offer.productType.rawValue))),
                                .td(
                                    .text(
                                        offer.periods.map { "\(page.t("period." + $0.rawValue)): \(page.money(offer.prices[$0]!))" }.joined(
                                            separator: " · "))),
                                .td(.text(String(offer.addons.count))),
                                .td(
                                    .attribute(named: "data-testid", value: "plan-status"),
                                    .span(
                                        .class(offer.isOrderable ? "tag tag-ok" : "tag tag-muted"),
                                        .text(
                                            page.t(
                                                !offer.plan.enabled
                                                    ? "admin.catalog.disabled"
                                                    : (offer.isOrderable ? "admin.catalog.enabled" : "admin.catalog.unpriced"))))))
                        })),
                .section(
                    .class("widget"),
                    .h2(.text(page.t("admin.catalog.new"))),
                    .form(
                        .method(.post), .action(SiteURL.staff(.catalog).path), .class("stack"), UI.csrfField(page),
                        UI.select(label: page.t("service.type"), name: "type", options: typeOptions(page), selected: "vps"),
                        UI.field(label: page.t("admin.catalog.plan"), name: "name"),
                        UI.field(label: page.t("admin.catalog.trial_days"), name: "trial_days", type: .number, value: "0"),
                        UI.submit(page.t("admin.catalog.create"))))
            ))
    }

    static func priceInputs<C: HTML.BodyContext>(_ page: PageContext, prices: [BillingPeriod: Money]) -> Node<C> {
        .div(
            .class("price-grid"),
            .forEach(BillingPeriod.allCases) { period in
                .div(
                    .class("field"),
                    .label(.for("p-\(period.rawValue)"), .text(page.t("period." + period.rawValue))),
                    .input(
                        .type(.text), .name("price.\(period.rawValue)"), .id("p-\(period.rawValue)"),
                        .value(prices[period].map(MoneyFormat.precise) ?? ""), .attribute(named: "inputmode", value: "decimal")))
            })
    }

    static func edit(
        _ page: PageContext, offer: PlanOffer, currency: Currency, modules: (names: [String], defaultName: String), error: String?
    ) -> HTML {
        let plan = offer.plan
        let base = SiteURL.staff(.plan(.value(offer.id))).path
        let kinds = AddonKind.allCases.map { (value: $0.rawValue, title: "\($0.rawValue) (\(page.t($0.unitKey)))") }
        let addonForm: (AddonOffer?) -> Node<HTML.BodyContext> = { addon in
            .form(
                .method(.post), .action("\(base)/addons?currency=\(currency.code)"), .class("addon-row"), UI.csrfField(page),
                .unwrap(addon) { UI.hidden("addon", $0.id.uuidString.lowercased()) },
                .div(
                    .class("addon-grid"),
                    UI.field(label: page.t("admin.catalog.addon_name"), name: "name", value: addon?.addon.name ?? ""),
                    .forEach(Catalog.translatedLanguages) { language in
                        UI.field(
                            label: page.t("admin.catalog.addon_name") + " (\(language.rawValue))", name: "name.\(language.rawValue)",
                            value: addon?.addon.translation("name", language) ?? "", required: false)
                    },
                    UI.select(
                        label: page.t("admin.catalog.addon_kind"), name: "kind", options: kinds, selected: addon?.kind.rawValue ?? "ram"),
                    UI.field(
                        label: page.t("admin.catalog.included"), name: "included", type: .number, value: String(addon?.limits.included ?? 0)
                    ),
                    UI.field(
                        label: page.t("admin.catalog.minimum"), name: "minimum", type: .number, value: String(addon?.limits.minimum ?? 0)),
                    UI.field(
                        label: page.t("admin.catalog.maximum"), name: "maximum", type: .number, value: String(addon?.limits.maximum ?? 1)),
                    UI.field(label: page.t("admin.catalog.step"), name: "step", type: .number, value: String(addon?.limits.step ?? 1))),
                .p(.class("muted small"), .text(page.t("admin.catalog.unit_prices", ["currency": currency.code]))),
                priceInputs(page, prices: addon?.unitPrices ?? [:]),
                UI.submit(page.t(addon == nil ? "admin.catalog.add_addon" : "service.save"), style: "secondary"))
        }
        return Layout.staff(
            page, title: plan.name,
            content: .group(
                UI.alert(error),
                .div(
                    .class("widgets"),
                    .section(
                        .class("widget"),
                        .h2(.text(page.t("admin.catalog.plan"))),
                        .form(
                            .method(.post), .action(base), .class("stack"), UI.csrfField(page),
                            UI.select(
                                label: page.t("service.type"), name: "type", options: typeOptions(page),
                                selected: offer.productType.rawValue),
                            UI.field(label: page.t("admin.catalog.plan"), name: "name", value: plan.name),
                            UI.field(label: page.t("admin.catalog.summary"), name: "summary", value: plan.summary, required: false),
                            .forEach(Catalog.translatedLanguages) { language in
                                .group(
                                    UI.field(
                                        label: page.t("admin.catalog.plan") + " (\(language.rawValue))", name: "name.\(language.rawValue)",
                                        value: plan.translation("name", language), required: false),
                                    UI.field(
                                        label: page.t("admin.catalog.summary") + " (\(language.rawValue))",
                                        name: "summary.\(language.rawValue)",
                                        value: plan.translation("summary", language), required: false))
                            },
                            UI.field(
                                label: page.t("admin.catalog.trial_days"), name: "trial_days", type: .number, value: String(plan.trialDays)),
                            UI.field(
                                label: page.t("admin.catalog.position"), name: "position", type: .number, value: String(plan.position)),
                            UI.select(
                                label: page.t("admin.catalog.module"), name: "module",
                                options: modules.names.map { (value: $0, title: page.t("admin.catalog.module." + $0)) },
                                selected: plan.processingModule ?? modules.defaultName),
                            .div(
                                .class("field"), .label(.for("f-os"), .text(page.t("admin.catalog.os"))),
                                .textarea(.name("os"), .id("f-os"), .attribute(named: "rows", value: "4"), .text(plan.osImages))),
                            .div(
                                .class("field check"),
                                .input(
                                    .type(.checkbox), .name("enabled"), .id("f-enabled"),
                                    .attribute(named: "checked", value: plan.enabled ? "checked" : nil)),
                                .label(.for("f-enabled"), .text(page.t("admin.catalog.enabled")))),
                            UI.submit(page.t("service.save")))),
                    .section(
                        .class("widget"),
                        .h2(.text(page.t("admin.catalog.prices", ["currency": currency.code]))),
                        .nav(
                            .class("tabs small"),
                            .forEach(Currency.all) { other in
                                .a(
                                    .href("\(base)?currency=\(other.code)"), .class(other == currency ? "tab active" : "tab"),
                                    .text(other.code))
                            }),
                        .form(
                            .method(.post), .action("\(base)/prices?currency=\(currency.code)"), .class("stack"), UI.csrfField(page),
                            .p(.class("muted small"), .text(page.t("admin.catalog.prices_hint"))),
                            priceInputs(page, prices: offer.prices),
                            UI.submit(page.t("service.save"))))),
                .section(
                    .class("widget widget-wide"),
                    .h2(.text(page.t("admin.catalog.addons"))),
                    .forEach(offer.addons) { addonForm($0) },
                    .h3(.text(page.t("admin.catalog.add_addon"))),
                    addonForm(nil))
            ))
    }

    static func billing(
        _ page: PageContext, settings: BillingSettings, seller: SellerDetails, rates: [ExchangeRate], promos: [PromoCode],
        plans: [PlanSummary], jobs: [JobRun], error: String?
    ) -> HTML {
        let currencies = Currency.all.map { (value: $0.code, title: $0.code) }
        let planNames = Dictionary(uniqueKeysWithValues: plans.map { ($0.id, $0.name.english) })
        return Layout.staff(
            page, title: page.t("admin.billing.title"),
            content: .group(
                UI.alert(error),
                .div(
                    .class("widgets"),
                    .section(
                        .class("widget"),
                        .h2(.text(page.t("admin.billing.rules"))),
                        .form(
                            .method(.post), .action(SiteURL.staff(.billingSettings).path), .class("stack"), UI.csrfField(page),
                            UI.select(
                                label: page.t("admin.billing.tax_mode"), name: "tax_mode",
                                options: TaxMode.allCases.map { (value: $0.rawValue, title: page.t("admin.billing.tax." + $0.rawValue)) },
                                selected: settings.taxMode.rawValue),
                            UI.select(
                                label: page.t("admin.billing.alignment"), name: "alignment",
                                options: BillingAlignment.allCases.map {
                                    (value: $0.rawValue, title: page.t("admin.billing.align." + $0.rawValue))
                                },
                                selected: settings.alignment.rawValue),
                            UI.field(
                                label: page.t("admin.billing.grace"), name: "grace_days", type: .number, value: String(settings.graceDays)),
                            UI.field(
                                label: page.t("admin.billing.notice"), name: "notice_days", type: .number,
                                value: String(settings.noticeDays)),
                            UI.submit(page.t("service.save")))),
                    .section(
                        .class("widget"),
                        .h2(.text(page.t("admin.billing.rates"))),
                        .table(
                            .class("data compact"),
                            .tbody(
                                .forEach(rates) { rate in
                                    .tr(
                                        .td(
                                            .text(
                                                "1 \(rate.base.code) = \(MoneyFormat.precise(rate.rate)) \(rate.quote.code)"
                                            )),
                                        .td(.class("muted"), .text(page.dateTime(rate.createdAt))))
                                })),
                        .form(
                            .method(.post), .action(SiteURL.staff(.billingRates).path), .class("inline-form"), UI.csrfField(page),
                            UI.select(label: page.t("admin.billing.base"), name: "base", options: currencies, selected: "EUR"),
                            UI.select(label: page.t("admin.billing.quote"), name: "quote", options: currencies, selected: "UAH"),
                            UI.field(label: page.t("admin.billing.rate"), name: "rate"),
                            UI.submit(page.t("service.save"), style: "secondary"))),
                    .section(
                        .class("widget"),
                        .h2(.text(page.t("admin.billing.jobs"))),
                        .table(
                            .class("data compact"),
                            .tbody(
                                .forEach(jobs) { job in
                                    .tr(
                                        .td(.text(job.runOn)), .td(.text(page.t("admin.jobs.status." + job.status.rawValue))),
                                        .td(
                                            .class("muted small"), .attribute(named: "data-testid", value: "job-summary"),
                                            .text(jobSummary(page, job))))
                                })),
                        .form(
                            .method(.post), .action(SiteURL.staff(.billingRun).path), UI.csrfField(page),
                            UI.submit(page.t("admin.billing.run"), style: "secondary"))),
                    .section(
                        .class("widget"), .attribute(named: "data-testid", value: "seller-details"),
                        .h2(.text(page.t("admin.seller.title"))),
                        .p(.class("muted small"), .text(page.t("admin.seller.hint"))),
                        .form(
                            .method(.post), .action(SiteURL.staff(.billingSeller).path), .class("stack"), UI.csrfField(page),
                            .forEach([
                                "seller.legal_name", "seller.address", "seller.tax_id", "seller.bank_name", "seller.account",
                                "seller.bank_code"
                            ]) { key in
                                UI.field(label: page.t("admin." + key), name: key, value: seller[key], required: false)
                            },
                            UI.submit(page.t("service.save"))))),
                .section(
                    .class("widget widget-wide"),
                    .h2(.text(page.t("admin.billing.promos"))),
                    .table(
                        .class("data compact"), .attribute(named: "data-testid", value: "promo-list"),
                        .thead(
                            .tr(
                                .th(.text(page.t("order.promo"))), .th(.text(page.t("admin.billing.discount"))),
                                .th(.text(page.t("admin.catalog.plan"))),
                                .th(.text(page.t("admin.billing.valid"))), .th(.text(page.t("admin.billing.limit"))))),
                        .tbody(
                            .forEach(promos) { promo in
                                .tr(
                                    .td(.code(.text(promo.code))),
                                    .td(
                                        .text(
                                            {
                                                switch promo.discount {
                                                case .percent(let basisPoints): TaxRate(basisPoints: basisPoints).description
                                                case .fixed(let amount): page.money(amount)
                                                }
                                            }())),
                                    .td(.text(promo.planID.flatMap { planNames[$0] } ?? page.t("admin.billing.all_plans"))),
                                    .td(.text("\(promo.validFrom?.iso ?? "…") – \(promo.validUntil?.iso ?? "…")")),
                                    .td(
                                        .text(
                                            (promo.usageLimit.map(String.init) ?? "∞")
                                                + (promo.oncePerClient ? " · " + page.t("admin.billing.once") : ""))))
                            })),
                    .form(
                        .method(.post), .action(SiteURL.staff(.billingPromos).path), .class("inline-form wrap"), UI.csrfField(page),
                        UI.field(label: page.t("order.promo"), name: "code"),
                        UI.select(
                            label: page.t("admin.billing.kind"), name: "kind",
                            options: [(value: "percent", title: "%"), (value: "fixed", title: page.t("admin.billing.fixed"))],
                            selected: "percent"),
                        UI.field(label: page.t("admin.billing.value"), name: "value"),
                        UI.select(
                            label: page.t("admin.catalog.plan"), name: "plan",
                            options: [(value: "", title: page.t("admin.billing.all_plans"))]
                                + plans.map { (value: $0.id.uuidString.lowercased(), title: $0.name.english) },
                            selected: ""),
                        UI.field(label: page.t("expenses.from"), name: "valid_from", type: .date, required: false),
                        UI.field(label: page.t("expenses.to"), name: "valid_until", type: .date, required: false),
                        UI.field(label: page.t("admin.billing.limit"), name: "usage_limit", type: .number, required: false),
                        .div(
                            .class("field check"), .input(.type(.checkbox), .name("once"), .id("f-once")),
                            .label(.for("f-once"), .text(page.t("admin.billing.once")))),
                        UI.submit(page.t("admin.catalog.create"), style: "secondary")))
            ))
    }

    /// "Renewed 3, resumed 0, … charged €12.30" in the reader's language, or the error.
    static func jobSummary(_ page: PageContext, _ job: JobRun) -> String {
        guard let summary = job.summary else { return job.lastError ?? "" }
        let charged = job.charged.map(page.money).joined(separator: ", ")
        return page.t(
            "admin.jobs.summary",
            [
                "renewed": String(summary.renewed), "resumed": String(summary.resumed), "expired": String(summary.expired),
                "deleted": String(summary.deleted), "notices": String(summary.notices),
                "autopayments": String(summary.autopayments), "charged": charged.isEmpty ? page.money(.zero(page.defaultCurrency)) : charged
            ])
    }
}
