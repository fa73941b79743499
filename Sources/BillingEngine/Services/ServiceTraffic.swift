import BillingDomain
import BillingStore
import FluentKit
import Foundation
import Provisioning

/// Servers' traffic (SVC-5): every five minutes a `traffic.collect` job reads each running
/// server's interface counters (from its module, or from the switch port a dedicated server of
/// the pool is cabled to, over SNMP) and adds the difference to the server's hour;
/// the Traffic tab adds the hours up for a day, a week, a month or a year.
///
/// Exactly once: the readings are taken first, and the differences are written with the job's
/// completion in one transaction, each against the stored reading read again there. A job that
/// dies before its end writes nothing; the next one counts the same bytes from the same stored
/// reading. A counter that went down restarted (a VPS that restarted) or wrapped (32-bit SNMP).
public struct ServiceTraffic: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// Seconds between two readings.
    public static let interval: TimeInterval = 300

    /// Queues the collection of the current five minutes, once however often it is called (the
    /// scheduler calls it every minute; the key is the slot).
    public func schedule() async throws {
        let slot = Int(context.clock.now.timeIntervalSince1970 / Self.interval)
        let payload = String(decoding: try JSONEncoder().encode(TrafficJob(slot: slot)), as: UTF8.self)
        try await context.jobs.enqueue(
            [
                JobQueue.NewJob(
                    kind: .trafficCollect, payload: payload, key: "traffic:\(slot)", accountID: nil, serviceID: nil, runAfter: nil)
            ],
            on: context.database)
    }

    /// The statuses in which a server runs, and so counts traffic.
    static let countedStatuses: [ServiceStatus] = [.active, .processing]

    func collect(_ job: TrafficJob) async throws -> JobResult {
        let now = context.clock.now
        let services = try await ServiceRecord.query(on: context.database).filter(\.$status ~~ Self.countedStatuses)
            .filter(\.$productType ~~ ProductType.allCases.filter(\.hasServer)).all()
        // The plans' modules in one query, not one a server.
        let planIDs = Array(Set(services.map(\.planID)))
        let plans = planIDs.isEmpty ? [] : try await PlanRecord.query(on: context.database).filter(\.$id ~~ planIDs).all()
        let modules = Dictionary(plans.map { ($0.id!, $0.processingModule) }, uniquingKeysWith: { first, _ in first })
        // A dedicated server cabled to a known switch port is counted there, over SNMP.
        let switchPorts = try await ServerPool.switchPorts(ofServices: services.map { $0.id! }, context: context)
        var readings: [(serviceID: UUID, counters: TrafficCounters)] = []
        var failures: [String] = []
        for service in services {
            guard let named = modules[service.planID], let module = context.modules.module(named: named) else { continue }
            do {
                if let port = switchPorts[service.id!] {
                    readings.append((service.id!, try await context.modules.switchPorts.counters(of: port)))
                } else if let counters = try await module.trafficCounters(forService: service.number, at: now) {
                    readings.append((service.id!, counters))
                }
            } catch {
                // One host that does not answer does not stop the others' counting.
                failures.append("#\(service.number): \(String(describing: error).prefix(200))")
            }
        }
        if !failures.isEmpty {
            context.log(.jobs).warning("traffic counters not read", metadata: ["services": .string(failures.joined(separator: "; "))])
        }
        let taken = readings
        return JobResult(outcome: .done) { ctx in
            for reading in taken { try await Self.record(reading.counters, serviceID: reading.serviceID, at: now, on: ctx.database) }
        }
    }

    /// Adds one reading: the difference from the stored one goes to the hour of `at`; the first
    /// reading of a server only starts its count.
    static func record(_ counters: TrafficCounters, serviceID: UUID, at: Date, on db: any Database) async throws {
        let rx = Int64(clamping: counters.rxBytes)
        let tx = Int64(clamping: counters.txBytes)
        guard let last = try await TrafficCounterRecord.query(on: db).filter(\.$serviceID == serviceID).first() else {
            try await TrafficCounterRecord(serviceID: serviceID, rxBytes: rx, txBytes: tx, readAt: at).create(on: db)
            return
        }
        // A reading older than the stored one (a late job) counts nothing.
        guard last.readAt < at else { return }
        let rxDelta = TrafficCounters.delta(from: UInt64(max(0, last.rxBytes)), to: counters.rxBytes, width: counters.width)
        let txDelta = TrafficCounters.delta(from: UInt64(max(0, last.txBytes)), to: counters.txBytes, width: counters.width)
        last.rxBytes = rx
        last.txBytes = tx
        last.readAt = at
        try await last.update(on: db)
        guard rxDelta > 0 || txDelta > 0 else { return }
        try await add(rx: Int64(clamping: rxDelta), tx: Int64(clamping: txDelta), serviceID: serviceID, hour: hourStart(at), on: db)
    }

    static func add(rx: Int64, tx: Int64, serviceID: UUID, hour: Date, on db: any Database) async throws {
        if let row = try await TrafficHourRecord.query(on: db).filter(\.$serviceID == serviceID).filter(\.$hour == hour).first() {
            row.rxBytes += rx
            row.txBytes += tx
            try await row.update(on: db)
        } else {
            try await TrafficHourRecord(serviceID: serviceID, hour: hour, rxBytes: rx, txBytes: tx).create(on: db)
        }
    }

    static func hourStart(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
    }

    /// The demo's server: the hours of the last `days` days as the simulated module's counters
    /// would have counted them, so the demo's charts have something to show from the start.
    public func seedDemoHistory(serviceID: UUID, days: Int) async throws {
        guard let service = try await ServiceRecord.find(serviceID, on: context.database) else { return }
        let now = context.clock.now
        let first = Self.hourStart(now.addingTimeInterval(-Double(days) * 86_400))
        let number = service.number
        try await context.database.transaction { tx in
            var hour = first
            while hour < Self.hourStart(now) {
                let next = hour.addingTimeInterval(3_600)
                let from = TrafficCounters.simulated(forService: number, at: hour)
                let to = TrafficCounters.simulated(forService: number, at: next)
                try await TrafficHourRecord(
                    serviceID: serviceID, hour: hour, rxBytes: Int64(to.rxBytes - from.rxBytes), txBytes: Int64(to.txBytes - from.txBytes)
                ).create(on: tx)
                hour = next
            }
        }
    }

    // MARK: reading

    /// The spans of the Traffic tab.
    public enum Span: String, Sendable, CaseIterable {
        case day, week, month, year
    }

    /// One bar of a chart: its start and what went in and out.
    public struct Bucket: Sendable, Hashable {
        public let start: Date
        /// The bar's label: `14:00`, `2026-03-05`, `2026-03`.
        public let label: String
        public let rxBytes: Int64
        public let txBytes: Int64
    }

    public struct Chart: Sendable {
        public let span: Span
        public let buckets: [Bucket]
        public var rxTotal: Int64 { buckets.reduce(0) { $0 + $1.rxBytes } }
        public var txTotal: Int64 { buckets.reduce(0) { $0 + $1.txBytes } }
        /// The plan's monthly allowance in GiB (its traffic resource), `nil`: none.
        public let allowanceGiB: Int?
        /// What the server sent and received since the first of this month, against the allowance.
        public let monthBytes: Int64
    }

    /// A span's chart for one of the caller's servers: the last 24 hours by hour, the last 7 or
    /// 30 days by day (the provider's calendar), the last 12 months by month.
    public func chart(serviceID: UUID, span: Span, caller: Caller) async throws -> Chart {
        let service = try await ServiceLifecycle(context: context).readable(serviceID, caller: caller)
        let calendar = context.calendar
        let now = context.clock.now
        let today = calendar.date(of: now)
        var starts: [(Date, String)] = []
        switch span {
        case .day:
            let current = Self.hourStart(now)
            var labels = Calendar(identifier: .gregorian)
            labels.timeZone = calendar.timeZone
            starts = (0..<24).reversed().map { back in
                let start = current.addingTimeInterval(-Double(back) * 3600)
                return (start, String(format: "%02d:00", labels.component(.hour, from: start)))
            }
        case .week, .month:
            let days = span == .week ? 7 : 30
            starts = (0..<days).reversed().map { back in
                let date = today.adding(days: -back)
                return (calendar.startOf(date), date.iso)
            }
        case .year:
            let first = LocalDate(year: today.year, month: today.month, day: 1)!
            starts = (0..<12).reversed().map { back in
                let month = first.adding(months: -back)
                return (calendar.startOf(month), String(month.iso.prefix(7)))
            }
        }
        let end: Date =
            switch span {
            case .day: Self.hourStart(now).addingTimeInterval(3600)
            case .week, .month: calendar.startOf(today.adding(days: 1))
            case .year: calendar.startOf(LocalDate(year: today.year, month: today.month, day: 1)!.adding(months: 1))
            }
        let hours = try await TrafficHourRecord.query(on: context.database).filter(\.$serviceID == serviceID)
            .filter(\.$hour >= starts[0].0).filter(\.$hour < end).all()
        var buckets: [Bucket] = []
        for (index, (start, label)) in starts.enumerated() {
            let next = index + 1 < starts.count ? starts[index + 1].0 : end
            let inside = hours.filter { $0.hour >= start && $0.hour < next }
            buckets.append(
                Bucket(
                    start: start, label: label, rxBytes: inside.reduce(0) { $0 + $1.rxBytes }, txBytes: inside.reduce(0) { $0 + $1.txBytes }
                ))
        }
        let monthStart = calendar.startOf(LocalDate(year: today.year, month: today.month, day: 1)!)
        let month = try await TrafficHourRecord.query(on: context.database).filter(\.$serviceID == serviceID)
            .filter(\.$hour >= monthStart).all().reduce(Int64(0)) { $0 + $1.rxBytes + $1.txBytes }
        let request = try await ServiceLifecycle.provisioningRequest(service, on: context.database)
        return Chart(span: span, buckets: buckets, allowanceGiB: request.resources[.traffic], monthBytes: month)
    }
}

/// The payload of a `traffic.collect` job: its five-minute slot.
struct TrafficJob: Codable, Sendable {
    let slot: Int
}
