import BillingDomain
import BillingServer
import Foundation
import Provisioning
import Testing
import Vapor

/// The PowerDNS driver against a real PowerDNS authoritative server (SQLite backend) that
/// `.ci/run` starts with `e2e/pdns_server.sh`; what it writes is read back by `dig`, as a
/// resolver on the internet would read it (SVC-5).
@Suite("PowerDNS driver", .enabled(if: PowerDNSServer.available))
struct PowerDNSTests {
    @Test func aPTRRecordIsSetChangedAndRemovedAndDigReadsIt() async throws {
        let app = try await Application.make(.testing)
        do {
            let dns = PowerDNS(apiBase: PowerDNSServer.api, apiKey: PowerDNSServer.key, http: VaporHTTPClient(client: app.client))
            let nameServers = [HostName("ns1.demo-hosting.example")!, HostName("ns2.demo-hosting.example")!]
            // A network of the test's own, so runs never meet.
            let third = Int.random(in: 0...255)
            let address = try #require(IPAddress("198.51.\(third).\(Int.random(in: 1...254))"))
            #expect(try await dns.reverse(of: address) == nil)

            try await dns.setReverse(address, to: HostName("vps1.client.example"), nameServers: nameServers)
            #expect(try await dns.reverse(of: address) == HostName("vps1.client.example"))
            #expect(try PowerDNSServer.dig(address) == "vps1.client.example.")
            // Again (a retried job): the same one record.
            try await dns.setReverse(address, to: HostName("vps1.client.example"), nameServers: nameServers)
            #expect(try PowerDNSServer.dig(address) == "vps1.client.example.")

            try await dns.setReverse(address, to: HostName("mail.client.example"), nameServers: nameServers)
            #expect(try PowerDNSServer.dig(address) == "mail.client.example.")
            try await dns.setReverse(address, to: nil, nameServers: nameServers)
            #expect(try await dns.reverse(of: address) == nil)
            #expect(try PowerDNSServer.dig(address) == "")

            // IPv6 works the same way, in its /64's zone.
            let v6 = try #require(IPAddress("2001:db8:\(String(third, radix: 16))::25"))
            try await dns.setReverse(v6, to: HostName("mx.client.example"), nameServers: nameServers)
            #expect(try PowerDNSServer.dig(v6) == "mx.client.example.")
            try await dns.setReverse(v6, to: nil, nameServers: nameServers)

            // A wrong key is refused for good (a retry would send the same key).
            let wrongKey = PowerDNS(apiBase: PowerDNSServer.api, apiKey: "not-the-key", http: VaporHTTPClient(client: app.client))
            do {
                try await wrongKey.setReverse(address, to: HostName("x.client.example"), nameServers: nameServers)
                Issue.record("a wrong API key was accepted")
            } catch let failure as DNSFailure {
                #expect(failure.isPermanent)
                #expect(failure.description.contains("HTTP 401"))
            }
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

/// The PowerDNS server `.ci/run` starts (`PDNS_TEST_API`, `PDNS_TEST_KEY`, `PDNS_TEST_DNS_PORT`);
/// in CI the suite runs whether or not it is there, so a missing server fails instead of
/// skipping (and `.ci/run` checks that the test passed).
enum PowerDNSServer {
    static let environment = ProcessInfo.processInfo.environment
    static var available: Bool { environment["PDNS_TEST_API"] != nil || environment["CI"] != nil }
    static var api: String { environment["PDNS_TEST_API"] ?? "http://127.0.0.1:8081" }
    static var key: String { environment["PDNS_TEST_KEY"] ?? "test-api-key" }
    static var port: String { environment["PDNS_TEST_DNS_PORT"] ?? "5353" }

    /// What `dig -x` answers for the address from the server (`+short`: the PTR's target).
    static func dig(_ address: IPAddress) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dig")
        process.arguments = ["@127.0.0.1", "-p", port, "-x", address.description, "+short", "+time=2", "+tries=1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
