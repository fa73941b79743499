import BillingDomain
import Testing

/// Host names a client may point an address at, and the names of the PTR records (SVC-5).
@Suite("DNS names")
struct DNSNameTests {
    @Test func hostNamesFollowRFC1123() {
        #expect(HostName("VPS1.Example.COM.")?.name == "vps1.example.com")
        #expect(HostName("mail-2.shop.example.co.uk")?.fqdn == "mail-2.shop.example.co.uk.")
        for bad in [
            "", "localhost", "-a.example.com", "a-.example.com", "a..example.com", "a_b.example.com", "exa mple.com", "пример.рф",
            "1.2.3.4", String(repeating: "a", count: 64) + ".example.com", String(repeating: "abcdefghi.", count: 26) + "com",
            "host.example.com/evil", "host.example.com\nx"
        ] {
            #expect(HostName(bad) == nil, "\(bad) was accepted")
        }
    }

    @Test func reverseNamesOfIPv4AndIPv6() throws {
        let v4 = try #require(IPAddress("192.0.2.10"))
        #expect(v4.reverseName == "10.2.0.192.in-addr.arpa.")
        #expect(v4.reverseZone == "2.0.192.in-addr.arpa.")
        let v6 = try #require(IPAddress("2001:db8::1"))
        #expect(v6.reverseName == "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")
        #expect(v6.reverseZone == "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")
    }
}
