import Foundation

/// A server's interface byte counters as its backend reports them: they only grow, until they
/// wrap at their width (a 32-bit SNMP counter) or restart from zero (a VPS that restarted).
public struct TrafficCounters: Sendable, Hashable, Codable {
    public let rxBytes: UInt64
    public let txBytes: UInt64
    /// 32 for SNMP's `ifInOctets`, 64 for libvirt and `ifHCInOctets`.
    public let width: Int

    public init(rxBytes: UInt64, txBytes: UInt64, width: Int = 64) {
        self.rxBytes = rxBytes
        self.txBytes = txBytes
        self.width = width
    }

    /// The bytes that passed between an earlier reading and this one. A smaller number is a
    /// wrap when the counter is 32 bits wide and the earlier reading was in its upper half
    /// (a wrap between two readings minutes apart); otherwise the counter restarted and
    /// everything it holds is new.
    public static func delta(from earlier: UInt64, to later: UInt64, width: Int) -> UInt64 {
        if later >= earlier { return later - earlier }
        if width == 32, earlier <= UInt64(UInt32.max), earlier > UInt64(UInt32.max) / 2 {
            return (UInt64(UInt32.max) - earlier) + later + 1
        }
        return later
    }

    /// The simulated module's counters: cumulative bytes since 2026-01-01 at a rate that follows
    /// the hour of the day (UTC), scaled by the service number.
    public static func simulated(forService number: Int, at now: Date) -> TrafficCounters {
        let base = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01T00:00:00Z
        let seconds = max(0, now.timeIntervalSince(base))
        // Bytes a second in each hour of the day: quiet at 04:00, busiest at 20:00.
        let shape: [UInt64] = [30, 22, 16, 12, 10, 10, 14, 22, 34, 46, 54, 58, 60, 60, 58, 58, 62, 70, 82, 94, 100, 92, 70, 46]
        let scale = UInt64(800 + (number % 7) * 200)
        let daily = shape.reduce(0, +) * 3600 * scale
        let days = UInt64(seconds / 86_400)
        let rest = UInt64(seconds) - days * 86_400
        let hours = Int(rest / 3600)
        var total = days * daily
        for hour in 0..<hours { total += shape[hour] * 3600 * scale }
        total += shape[hours] * (rest - UInt64(hours) * 3600) * scale
        // Servers send more than they receive.
        return TrafficCounters(rxBytes: total / 4, txBytes: total)
    }
}
