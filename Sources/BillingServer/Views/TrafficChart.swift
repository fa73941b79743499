import BillingDomain
import BillingEngine
import Foundation
import Plot

/// The Traffic tab (SVC-5): a bar chart of what a server received and sent, drawn here as SVG
/// (no script, no outside library), with the totals and the plan's monthly allowance.
enum TrafficPages {
    /// Bytes in binary units with the reader's decimal separator: `1.5 GiB`, `1,5 ГиБ`.
    static func bytes(_ value: Int64, _ page: PageContext) -> String {
        let units = ["unit.b", "unit.kib", "unit.mib", "unit.gib", "unit.tib"]
        let bytes = max(0, value)
        var unit = 0
        var divisor: Int64 = 1
        while bytes / divisor >= 1024, unit < units.count - 1 {
            divisor *= 1024
            unit += 1
        }
        // Tenths of the unit, rounded half up, in whole numbers.
        let tenths = (bytes / divisor) * 10 + ((bytes % divisor) * 10 + divisor / 2) / divisor
        let text =
            unit == 0 || tenths >= 1_000
            ? String((tenths + 5) / 10) : "\(tenths / 10)\(page.language == .en ? "." : ",")\(tenths % 10)"
        return text + " " + page.t(units[unit])
    }

    /// The chart as SVG markup: two bars a bucket (in, out), three grid lines with their values,
    /// and labels under the bars, thinned so they never overlap.
    static func svg(_ chart: ServiceTraffic.Chart, _ page: PageContext) -> String {
        let width = 720.0
        let height = 260.0
        let left = 64.0
        let bottom = 28.0
        let top = 12.0
        let plotWidth = width - left - 8
        let plotHeight = height - bottom - top
        // Nothing counted yet: an empty scale of 1 MiB rather than one of bytes.
        let highest = chart.buckets.map { max($0.rxBytes, $0.txBytes) }.max() ?? 0
        let peak = highest > 0 ? highest : 1 << 20
        let scale = Self.niceCeiling(peak)
        let slot = plotWidth / Double(max(1, chart.buckets.count))
        let bar = max(1, (slot - 2) / 2)
        let every = max(1, Int((Double(chart.buckets.count) * 56 / plotWidth).rounded(.up)))
        func y(_ value: Int64) -> Double { top + plotHeight * (1 - Double(value) / Double(scale)) }
        var parts: [String] = []
        parts.append(
            #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(Int(width)) \#(Int(height))" class="chart" role="img" aria-labelledby="traffic-title" data-testid="traffic-chart">"#
        )
        parts.append(#"<title id="traffic-title">\#(UI.escape(page.t("traffic.chart_title." + chart.span.rawValue)))</title>"#)
        for step in 0...2 {
            let value = scale / 2 * Int64(step)
            let lineY = y(value)
            parts.append(#"<line class="grid" x1="\#(left)" x2="\#(width - 8)" y1="\#(f(lineY))" y2="\#(f(lineY))"/>"#)
            parts.append(
                #"<text class="axis" x="\#(left - 6)" y="\#(f(lineY + 4))" text-anchor="end">\#(UI.escape(bytes(value, page)))</text>"#)
        }
        for (index, bucket) in chart.buckets.enumerated() {
            let x = left + slot * Double(index) + 1
            let title = "\(bucket.label): ↓ \(bytes(bucket.rxBytes, page)), ↑ \(bytes(bucket.txBytes, page))"
            parts.append(#"<g data-testid="traffic-bar"><title>\#(UI.escape(title))</title>"#)
            parts.append(
                #"<rect class="bar-in" x="\#(f(x))" y="\#(f(y(bucket.rxBytes)))" width="\#(f(bar))" height="\#(f(top + plotHeight - y(bucket.rxBytes)))"/>"#
            )
            parts.append(
                #"<rect class="bar-out" x="\#(f(x + bar))" y="\#(f(y(bucket.txBytes)))" width="\#(f(bar))" height="\#(f(top + plotHeight - y(bucket.txBytes)))"/>"#
            )
            parts.append("</g>")
            if index % every == 0 {
                let label = chart.span == .week || chart.span == .month ? String(bucket.label.suffix(5)) : bucket.label
                parts.append(
                    #"<text class="axis" x="\#(f(x + bar))" y="\#(f(height - 10))" text-anchor="middle">\#(UI.escape(label))</text>"#)
            }
        }
        parts.append("</svg>")
        return parts.joined()
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The smallest round number of the unit (KiB, MiB, GiB …) at or above `value` bytes whose
    /// half is round too, so the grid lines read as round numbers.
    static func niceCeiling(_ value: Int64) -> Int64 {
        var unit: Int64 = 1
        while unit * 1024 <= value, unit < Int64(1) << 50 { unit *= 1024 }
        let inUnits = Double(value) / Double(unit)
        for step in [1.0, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300, 400, 500, 600, 800, 1000, 1024]
        where step >= inUnits {
            return Int64(step * Double(unit))
        }
        return unit * 1024
    }

    static func page(_ page: PageContext, service: Service, chart: ServiceTraffic.Chart) -> HTML {
        let spans: Node<HTML.BodyContext> = .nav(
            .class("tabs small"), .attribute(named: "aria-label", value: page.t("traffic.spans")),
            .forEach(ServiceTraffic.Span.allCases) { span in
                .a(
                    .href(SiteURL.serviceTraffic(.value(service.id)).path(["span": span.rawValue])),
                    .class(span == chart.span ? "tab active" : "tab"), .attribute(named: "data-testid", value: "span-" + span.rawValue),
                    .text(page.t("traffic.span." + span.rawValue)))
            })
        let allowance: Node<HTML.BodyContext> = .unwrap(chart.allowanceGiB) { gib in
            let allowed = Int64(clamping: gib).multipliedReportingOverflow(by: 1 << 30).partialValue
            let percent = allowed > 0 ? min(100, Int(Double(chart.monthBytes) * 100 / Double(allowed))) : 0
            return .div(
                .class("allowance"), .attribute(named: "data-testid", value: "traffic-allowance"),
                .p(
                    .text(
                        page.t(
                            "traffic.allowance",
                            ["used": bytes(chart.monthBytes, page), "allowed": bytes(allowed, page), "percent": String(percent)]))),
                .raw(
                    #"<progress class="\#(percent >= 90 ? "meter meter-warn" : "meter")" max="100" value="\#(percent)">\#(percent)%</progress>"#
                ))
        }
        return Layout.client(
            page, title: "\(service.planName.text(in: page.language)) #\(service.number)",
            content: .group(
                ServicePages.tabs(page, service, current: .serviceTraffic(.value(service.id))),
                .section(
                    .class("widget widget-wide"), .attribute(named: "data-testid", value: "service-traffic"),
                    .h2(.text(page.t("traffic.title"))),
                    spans,
                    .dl(
                        .class("facts inline-facts"),
                        .dt(.span(.class("swatch swatch-in")), .text(page.t("traffic.in"))),
                        .dd(.attribute(named: "data-testid", value: "traffic-in"), .text(bytes(chart.rxTotal, page))),
                        .dt(.span(.class("swatch swatch-out")), .text(page.t("traffic.out"))),
                        .dd(.attribute(named: "data-testid", value: "traffic-out"), .text(bytes(chart.txTotal, page)))),
                    .div(.class("chart-frame"), .raw(svg(chart, page))),
                    .if(
                        chart.rxTotal == 0 && chart.txTotal == 0,
                        .p(.class("muted"), .attribute(named: "data-testid", value: "traffic-empty"), .text(page.t("traffic.empty")))),
                    allowance,
                    .p(.class("muted small"), .text(page.t("traffic.hint"))))
            ))
    }
}
