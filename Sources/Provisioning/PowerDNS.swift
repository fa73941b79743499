import BillingDomain
import Foundation

/// Why PowerDNS did not do what was asked; `isPermanent` tells a job whether to retry.
public struct DNSFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public let isPermanent: Bool

    public init(_ description: String, isPermanent: Bool) {
        self.description = description
        self.isPermanent = isPermanent
    }
}

/// The PowerDNS authoritative server's HTTP API (`/api/v1/servers/{server}/zones…`, the key in
/// `X-API-Key`): reverse zones and the PTR records of the provider's addresses (SVC-4), later the
/// zones of hosting and domain services. Changes are RRset PATCHes with `REPLACE` or `DELETE`,
/// so repeating one (a retried job) leaves the same records: every call is idempotent.
public struct PowerDNS: Sendable {
    public let apiBase: String
    let apiKey: String
    public let serverID: String
    let http: any OutboundHTTPClient
    /// The TTL of the records written.
    public var ttl = 3600

    public init(apiBase: String, apiKey: String, serverID: String = "localhost", http: any OutboundHTTPClient) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.apiKey = apiKey
        self.serverID = serverID
        self.http = http
    }

    private func url(_ path: String) -> String { "\(apiBase)/api/v1/servers/\(serverID)\(path)" }

    private func send(_ method: String, _ path: String, json: [String: Any]? = nil) async throws -> OutboundHTTPResponse {
        var headers = ["X-API-Key": apiKey, "Accept": "application/json"]
        var body: Data?
        if let json {
            headers["Content-Type"] = "application/json"
            body = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        }
        do {
            return try await http.send(OutboundHTTPRequest(method: method, url: url(path), headers: headers, body: body))
        } catch {
            throw DNSFailure("PowerDNS is unreachable: \(error)", isPermanent: false)
        }
    }

    private static func failure(_ response: OutboundHTTPResponse, doing what: String) -> DNSFailure {
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let text = (object?["error"] as? String) ?? String(decoding: response.body.prefix(200), as: UTF8.self)
        // A 4xx is our request (a bad name, a wrong key): retrying sends the same.
        return DNSFailure(
            "PowerDNS refused to \(what) (HTTP \(response.status)): \(text)",
            isPermanent: response.status >= 400 && response.status < 500 && response.status != 429)
    }

    /// The zone path segment: PowerDNS names zones by their canonical name, dot included.
    private static func zonePath(_ zone: String) -> String {
        "/zones/"
            + (zone.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? zone)
    }

    /// Creates the zone (Native, with these name servers) unless it exists.
    public func ensureZone(_ zone: String, nameServers: [HostName]) async throws {
        let existing = try await send("GET", Self.zonePath(zone))
        if existing.status == 200 { return }
        guard existing.status == 404 || existing.status == 422 else { throw Self.failure(existing, doing: "read zone \(zone)") }
        let created = try await send(
            "POST", "/zones", json: ["name": zone, "kind": "Native", "nameservers": nameServers.map(\.fqdn)])
        // 409: made meanwhile by another job; the zone exists either way.
        guard created.status == 201 || created.status == 409 else { throw Self.failure(created, doing: "create zone \(zone)") }
    }

    /// Points the address back at `host` (`nil`: removes its PTR record), in its reverse zone,
    /// which is created when missing.
    public func setReverse(_ address: IPAddress, to host: HostName?, nameServers: [HostName]) async throws {
        let zone = address.reverseZone
        try await ensureZone(zone, nameServers: nameServers)
        var rrset: [String: Any] = ["name": address.reverseName, "type": "PTR"]
        if let host {
            rrset["changetype"] = "REPLACE"
            rrset["ttl"] = ttl
            rrset["records"] = [["content": host.fqdn, "disabled": false]]
        } else {
            rrset["changetype"] = "DELETE"
        }
        let response = try await send("PATCH", Self.zonePath(zone), json: ["rrsets": [rrset]])
        guard response.status == 204 || response.status == 200 else {
            throw Self.failure(response, doing: "change the PTR of \(address)")
        }
    }

    /// The host name the address points back at, if it has a PTR record.
    public func reverse(of address: IPAddress) async throws -> HostName? {
        let response = try await send("GET", Self.zonePath(address.reverseZone))
        if response.status == 404 || response.status == 422 { return nil }
        guard response.status == 200, let zone = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] else {
            throw Self.failure(response, doing: "read the PTR of \(address)")
        }
        let rrsets = zone["rrsets"] as? [[String: Any]] ?? []
        let ptr = rrsets.first { $0["name"] as? String == address.reverseName && $0["type"] as? String == "PTR" }
        let content = ((ptr?["records"] as? [[String: Any]])?.first?["content"] as? String) ?? ""
        return HostName(content)
    }
}
