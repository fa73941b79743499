import BillingDomain
import BillingEngine
import BillingStore
import FluentKit
import Foundation

/// The demo provider's catalog, shaped like the seeds' (VPS Fast with 4096 MiB disk, 256 MiB RAM,
/// 5120 GiB traffic and an ISPmanager Lite licence; a 30-day VPS trial; dedicated servers;
/// domains; SSL), priced in euros and, for clients in other currencies, at fixed demo rates.
public struct DemoCatalog: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// Demo exchange rates from the euro, in millionths; used for prices and for staff's rates.
    static let euroRates: [Currency: Int64] = [
        .EUR: 1_000_000, .USD: 1_080_000, .GBP: 850_000, .RUB: 100_000_000, .UAH: 45_000_000, .BYN: 3_500_000, .KZT: 550_000_000
    ]

    struct Addon {
        let kind: AddonKind
        let name: String
        let included: Int
        let minimum: Int
        let maximum: Int
        let step: Int
        /// Euro price per unit per month, in 1/10 000.
        let monthlyUnits: Int64
    }

    struct Plan {
        let type: ProductType
        let name: String
        let summary: String
        let trialDays: Int
        let prices: [BillingPeriod: Int64]
        let addons: [Addon]
        let os: [String]
    }

    static let linux = ["Debian 12", "Ubuntu 24.04 LTS", "AlmaLinux 9", "Rocky Linux 9"]

    static func vpsAddons(disk: Int, ram: Int, cpu: Int, traffic: Int, panel: Int) -> [Addon] {
        [
            Addon(kind: .disk, name: "Disk space", included: disk, minimum: disk, maximum: disk * 8, step: 1024, monthlyUnits: 1),
            Addon(kind: .ram, name: "RAM", included: ram, minimum: ram, maximum: 16_384, step: 256, monthlyUnits: 40),
            Addon(kind: .cpu, name: "CPU cores", included: cpu, minimum: cpu, maximum: 16, step: 1, monthlyUnits: 20_000),
            Addon(kind: .ipv4, name: "Public IPv4 addresses", included: 1, minimum: 1, maximum: 8, step: 1, monthlyUnits: 25_000),
            Addon(kind: .ipv6, name: "IPv6 addresses", included: 1, minimum: 0, maximum: 64, step: 1, monthlyUnits: 0),
            Addon(kind: .traffic, name: "Traffic", included: traffic, minimum: traffic, maximum: traffic * 4, step: 1024, monthlyUnits: 10),
            Addon(
                kind: .panelLicense, name: "ISPmanager Lite licence", included: panel, minimum: 0, maximum: 1, step: 1, monthlyUnits: 60_000
            )
        ]
    }

    static func periodic(_ monthly: Int64, quarter: Int64? = nil, half: Int64? = nil, year: Int64? = nil) -> [BillingPeriod: Int64] {
        var prices: [BillingPeriod: Int64] = [.month: monthly]
        if let quarter { prices[.quarter] = quarter }
        if let half { prices[.halfYear] = half }
        if let year { prices[.year] = year }
        return prices
    }

    static let plans: [Plan] = [
        Plan(
            type: .vps, name: "VPS Trial", summary: "30 days free, then 4.00 a month.", trialDays: 30,
            prices: periodic(40_000), addons: vpsAddons(disk: 1024, ram: 256, cpu: 1, traffic: 1024, panel: 0), os: linux),
        Plan(
            type: .vps, name: "VPS Fast", summary: "NVMe disk, 2500 MHz CPU, provider's name servers.", trialDays: 0,
            prices: periodic(99_000, quarter: 282_000, half: 540_000, year: 990_000),
            addons: vpsAddons(disk: 4096, ram: 256, cpu: 1, traffic: 5120, panel: 1), os: linux + ["FreeBSD 14"]),
        Plan(
            type: .vps, name: "VPS Pro", summary: "Four cores and 8 GiB for busy sites.", trialDays: 0,
            prices: periodic(299_000, quarter: 850_000, year: 3_190_000),
            addons: vpsAddons(disk: 40_960, ram: 8192, cpu: 4, traffic: 10_240, panel: 1), os: linux),
        Plan(
            type: .vps, name: "Cloud VPS (daily)", summary: "Billed per day; stop it and pay nothing.", trialDays: 0,
            prices: [.day: 3_500], addons: vpsAddons(disk: 10_240, ram: 1024, cpu: 1, traffic: 1024, panel: 0), os: linux),
        Plan(
            type: .dedicated, name: "DCI6 Xeon E-2236", summary: "6 cores, 32 GB RAM, 2×960 GB SSD.", trialDays: 0,
            prices: periodic(890_000, quarter: 2_550_000, year: 9_600_000),
            addons: [
                Addon(kind: .ipv4, name: "Public IPv4 addresses", included: 1, minimum: 1, maximum: 16, step: 1, monthlyUnits: 30_000),
                Addon(kind: .traffic, name: "Traffic", included: 10_240, minimum: 10_240, maximum: 102_400, step: 10_240, monthlyUnits: 10),
                Addon(kind: .power, name: "Power consumption", included: 0, minimum: 0, maximum: 500, step: 50, monthlyUnits: 2_000),
                Addon(
                    kind: .panelLicense, name: "ISPmanager Lite licence", included: 0, minimum: 0, maximum: 1, step: 1, monthlyUnits: 60_000
                )
            ], os: linux + ["Proxmox VE 8"]),
        Plan(
            type: .hosting, name: "Hosting Start", summary: "5 sites, 10 GB, free SSL.", trialDays: 0,
            prices: periodic(25_000, year: 250_000), addons: [], os: []),
        Plan(
            type: .domain, name: ".com domain", summary: "Registration for one year.", trialDays: 0,
            prices: [.year: 120_000], addons: [], os: []),
        Plan(
            type: .domain, name: ".de domain", summary: "Registration for one year.", trialDays: 0,
            prices: [.year: 80_000], addons: [], os: []),
        Plan(
            type: .ssl, name: "AlphaSSL", summary: "Domain-validated certificate.", trialDays: 0,
            prices: [.year: 390_000], addons: [], os: []),
        Plan(
            type: .license, name: "ISPmanager 6 Lite", summary: "Control panel licence for one server.", trialDays: 0,
            prices: periodic(60_000, year: 600_000), addons: [], os: []),
        Plan(
            type: .traffic, name: "Traffic 10 TB", summary: "Extra traffic for a dedicated server.", trialDays: 0,
            prices: periodic(150_000), addons: [], os: [])
    ]

    /// The demo catalog's texts in Russian and Ukrainian, by the English text (names of plans and
    /// resources, and summaries), as staff would enter them in the plan form.
    static let translated: [String: (ru: String, uk: String)] = [
        "VPS Trial": ("VPS Пробный", "VPS Пробний"),
        "30 days free, then 4.00 a month.": ("30 дней бесплатно, затем 4,00 в месяц.", "30 днів безкоштовно, потім 4,00 на місяць."),
        "VPS Fast": ("VPS Быстрый", "VPS Швидкий"),
        "NVMe disk, 2500 MHz CPU, provider's name servers.": (
            "Диск NVMe, процессор 2500 МГц, DNS-серверы провайдера.",
            "Диск NVMe, процесор 2500 МГц, DNS-сервери провайдера."
        ),
        "VPS Pro": ("VPS Про", "VPS Про"),
        "Four cores and 8 GiB for busy sites.": (
            "Четыре ядра и 8 ГиБ для нагруженных сайтов.", "Чотири ядра й 8 ГіБ для навантажених сайтів."
        ),
        "Cloud VPS (daily)": ("Облачный VPS (посуточно)", "Хмарний VPS (подобово)"),
        "Billed per day; stop it and pay nothing.": (
            "Оплата за сутки; остановите — и ничего не платите.",
            "Оплата за добу; зупиніть — і нічого не платите."
        ),
        "6 cores, 32 GB RAM, 2×960 GB SSD.": ("6 ядер, 32 ГБ ОЗУ, 2×960 ГБ SSD.", "6 ядер, 32 ГБ ОЗП, 2×960 ГБ SSD."),
        "Hosting Start": ("Хостинг Старт", "Хостинг Старт"),
        "5 sites, 10 GB, free SSL.": ("5 сайтов, 10 ГБ, бесплатный SSL.", "5 сайтів, 10 ГБ, безкоштовний SSL."),
        ".com domain": ("Домен .com", "Домен .com"),
        ".de domain": ("Домен .de", "Домен .de"),
        "Registration for one year.": ("Регистрация на один год.", "Реєстрація на один рік."),
        "Domain-validated certificate.": ("Сертификат с проверкой домена.", "Сертифікат із перевіркою домену."),
        "Control panel licence for one server.": (
            "Лицензия панели управления на один сервер.", "Ліцензія панелі керування на один сервер."
        ),
        "Traffic 10 TB": ("Трафик 10 ТБ", "Трафік 10 ТБ"),
        "Extra traffic for a dedicated server.": (
            "Дополнительный трафик для выделенного сервера.", "Додатковий трафік для виділеного сервера."
        ),
        "Disk space": ("Дисковое пространство", "Дисковий простір"),
        "RAM": ("Оперативная память", "Оперативна пам'ять"),
        "CPU cores": ("Ядра процессора", "Ядра процесора"),
        "Public IPv4 addresses": ("Публичные IPv4-адреса", "Публічні IPv4-адреси"),
        "IPv6 addresses": ("IPv6-адреса", "IPv6-адреси"),
        "Traffic": ("Трафик", "Трафік"),
        "ISPmanager Lite licence": ("Лицензия ISPmanager Lite", "Ліцензія ISPmanager Lite"),
        "Power consumption": ("Энергопотребление", "Енергоспоживання")
    ]

    /// `name.ru`, `summary.uk` … for a plan or resource, from `translated`.
    static func translations(_ fields: [(field: String, english: String)]) -> [String: String] {
        var result: [String: String] = [:]
        for (field, english) in fields {
            guard let texts = translated[english] else { continue }
            result["\(field).ru"] = texts.ru
            result["\(field).uk"] = texts.uk
        }
        return result
    }

    /// Converts a euro amount at the demo rate. Per-unit prices stay exact (a MiB of disk costs
    /// 0.0001 €); plan prices are then rounded to the minor unit by the caller.
    static func convert(_ euroUnits: Int64, to currency: Currency) -> Money {
        Money(units: euroUnits, currency: currency).times(Fraction(euroRates[currency] ?? 1_000_000, 1_000_000))
    }

    /// Creates the catalog, promo codes and rates when there are no plans yet.
    public func seedIfEmpty(staffID: UUID? = nil) async throws {
        let db = context.database
        guard try await PlanRecord.query(on: db).count() == 0 else { return }
        let catalog = Catalog(context: context)
        let provider = Caller.provider(job: "demo")
        for (position, plan) in Self.plans.enumerated() {
            let planID = try await catalog.savePlan(
                Catalog.PlanForm(
                    productType: plan.type, name: plan.name, summary: plan.summary, trialDays: plan.trialDays, position: position,
                    osImages: plan.os, translations: Self.translations([("name", plan.name), ("summary", plan.summary)])), caller: provider)
            for currency in Currency.all {
                for (period, amount) in plan.prices {
                    try await catalog.setPrice(
                        ownerID: planID, period: period, amount: Self.convert(amount, to: currency).roundedToMinorUnit(), caller: provider)
                }
            }
            for addon in plan.addons {
                let addonID = try await catalog.saveAddon(
                    Catalog.AddonForm(
                        kind: addon.kind, name: addon.name, included: addon.included,
                        minimum: addon.minimum, maximum: addon.maximum, step: addon.step,
                        translations: Self.translations([("name", addon.name)])),
                    planID: planID, caller: provider)
                for currency in Currency.all {
                    for period in plan.prices.keys {
                        let months = Int64(period.months ?? 1)
                        // A daily plan's resources cost a thirtieth of the monthly price per day.
                        let perPeriod =
                            period == .day
                            ? Self.convert(addon.monthlyUnits, to: currency).times(Fraction(1, 30))
                            : Self.convert(addon.monthlyUnits * months, to: currency)
                        try await catalog.setPrice(ownerID: addonID, period: period, amount: perPeriod, caller: provider)
                    }
                }
            }
        }
        let now = context.clock.now
        try await PromoCodeRecord(
            code: "WELCOME10", kind: .percent, value: 1_000, currency: nil, planID: nil, validFrom: nil,
            validUntil: nil, usageLimit: nil, oncePerClient: true, createdAt: now
        ).create(on: db)
        for (currency, rate) in Self.euroRates where currency != .EUR {
            try await CurrencyRateRecord(base: .EUR, quote: currency, rateMicros: rate, setBy: "demo", createdAt: now).create(on: db)
        }
    }
}
