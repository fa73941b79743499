import Foundation

/// An IPv4 or IPv6 address as bytes (4 or 16). An IPv4 address seen through IPv6
/// (`::ffff:203.0.113.5`, as dual-stack servers report clients) is the IPv4 address.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let v4 = Self.parseIPv4(Substring(text)) {
            bytes = v4
        } else if let v6 = Self.parseIPv6(text) {
            let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
            bytes = Array(v6.prefix(12)) == mappedPrefix ? Array(v6.suffix(4)) : v6
        } else {
            return nil
        }
    }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { String(Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":")
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt8(part),
                part.count == 1 || part.first != "0"
            else { return nil }
            result.append(value)
        }
        return result
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.contains(":"), text.count <= 45 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            if part.isEmpty { return [] }
            var result: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    result += v4
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    result += [UInt8(value >> 8), UInt8(value & 0xFF)]
                }
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

/// A range of addresses in CIDR form (`203.0.113.0/24`, `2001:db8::/32`); an address alone is
/// its own range (/32, /128).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress(String(parts[0])) else { return nil }
        let maximum = address.bytes.count * 8
        if parts.count == 2 {
            guard (1...3).contains(parts[1].count), let length = Int(parts[1]), (0...maximum).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = maximum
        }
        // Stored as the range's first address, so `203.0.113.7/24` reads back `203.0.113.0/24`.
        self.address = IPAddress(masked: address.bytes, prefixLength: prefixLength)
    }

    public func contains(_ other: IPAddress) -> Bool {
        guard other.bytes.count == address.bytes.count else { return false }
        return IPAddress(masked: other.bytes, prefixLength: prefixLength) == address
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

extension IPAddress {
    init(masked bytes: [UInt8], prefixLength: Int) {
        self.bytes = bytes.enumerated().map { index, byte in
            let bits = max(0, min(8, prefixLength - index * 8))
            return bits == 8 ? byte : byte & ~(0xFF >> bits)
        }
    }
}

/// The addresses an account's users may log in and work from (ACC-5). Empty: from anywhere.
public struct NetworkAllowList: Sendable, Hashable {
    public let networks: [IPNetwork]

    public static let everywhere = NetworkAllowList(networks: [])

    public init(networks: [IPNetwork]) { self.networks = networks }

    /// The stored form read back (space-separated CIDRs); what does not parse is dropped.
    public init(stored: String?) {
        networks = (stored ?? "").split(separator: " ").compactMap { IPNetwork(String($0)) }
    }

    public var stored: String? { networks.isEmpty ? nil : networks.map(\.description).joined(separator: " ") }

    /// Whether a client at `ip` may log in and work: always with an empty list; with a list,
    /// only from inside one of its networks (an address that cannot be read is outside).
    public func admits(_ ip: String) -> Bool {
        guard !networks.isEmpty else { return true }
        guard let address = IPAddress(ip) else { return false }
        return networks.contains { $0.contains(address) }
    }
}
