import Foundation

/// A host name as DNS takes it (RFC 1123): labels of letters, digits and hyphens, 1 to 63
/// characters, not starting or ending with a hyphen, at least two labels, 253 characters at most.
/// Kept lower-case and without the trailing dot; `fqdn` adds it for DNS servers.
public struct HostName: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public init?(_ raw: String) {
        var text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        guard !text.isEmpty, text.count <= 253, text.allSatisfy(\.isASCII) else { return nil }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return nil }
        for label in labels {
            guard (1...63).contains(label.count), label.first != "-", label.last != "-",
                label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
            else { return nil }
        }
        // The last label is a top-level domain: never all digits (that would be an address).
        guard !labels.last!.allSatisfy(\.isNumber) else { return nil }
        name = text
    }

    public var fqdn: String { name + "." }
    public var description: String { name }
}

extension IPAddress {
    /// The PTR record's name: `4.3.2.1.in-addr.arpa.` for 1.2.3.4, 32 nibbles under `ip6.arpa.`.
    public var reverseName: String {
        if bytes.count == 4 { return bytes.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa." }
        return nibbles.reversed().joined(separator: ".") + ".ip6.arpa."
    }

    /// The reverse zone a provider delegates for the address's network: the /24 of an IPv4
    /// address (`3.2.1.in-addr.arpa.`), the /64 of an IPv6 one.
    public var reverseZone: String {
        if bytes.count == 4 { return bytes.prefix(3).reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa." }
        return nibbles.prefix(16).reversed().joined(separator: ".") + ".ip6.arpa."
    }

    private var nibbles: [String] {
        bytes.flatMap { [String($0 >> 4, radix: 16), String($0 & 0x0F, radix: 16)] }
    }
}
