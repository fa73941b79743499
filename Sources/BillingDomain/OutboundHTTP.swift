import Foundation

/// One HTTP request to an outside API (a payment gateway, an SMS provider, a DNS server). The
/// drivers build these; the server sends them with its HTTP client, and tests point them at
/// local stand-ins.
public struct OutboundHTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var body: Data?

    public init(method: String, url: String, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct OutboundHTTPResponse: Sendable, Equatable {
    public var status: Int
    public var body: Data

    public init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }
}

/// Sends the drivers' requests over HTTP.
public protocol OutboundHTTPClient: Sendable {
    func send(_ request: OutboundHTTPRequest) async throws -> OutboundHTTPResponse
}

/// `application/x-www-form-urlencoded` as Stripe and Twilio read it, nested keys in brackets, in the given order.
public enum FormEncoding {
    public static func encode(_ fields: [(String, String)]) -> Data {
        Data(fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&").utf8)
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~[]")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Decodes a form body into its fields (used by stand-ins and the sandbox).
    public static func decode(_ body: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            fields[key] = value
        }
        return fields
    }
}
