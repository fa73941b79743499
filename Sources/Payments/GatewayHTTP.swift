import BillingDomain
import Crypto
import Foundation

extension OutboundHTTPResponse {
    /// The body as a JSON object (gateways answer objects, errors included).
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw GatewayFailure.unavailable("not a JSON object")
        }
        return object
    }
}

/// The `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">` signature scheme Stripe uses for webhooks;
/// the sandbox gateway signs the same way.
public enum TimestampedSignature {
    /// Deliveries older (or newer) than this are refused as replays.
    public static let tolerance: TimeInterval = 300

    public static func header(for body: Data, secret: String, at time: Date) -> String {
        let timestamp = Int(time.timeIntervalSince1970)
        return "t=\(timestamp),v1=\(mac(body, timestamp: timestamp, secret: secret))"
    }

    public static func verify(header: String?, body: Data, secret: String, now: Date) throws(WebhookRejection) {
        guard let header, !header.isEmpty else { throw .missingSignature }
        var timestamp: Int?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            switch pair[0].trimmingCharacters(in: .whitespaces) {
            case "t": timestamp = Int(pair[1])
            case "v1": signatures.append(String(pair[1]))
            default: continue
            }
        }
        guard let timestamp, !signatures.isEmpty else { throw .badSignature }
        let expected = mac(body, timestamp: timestamp, secret: secret)
        guard signatures.contains(where: { ConstantTime.equals($0, expected) }) else { throw .badSignature }
        guard abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else { throw .staleTimestamp }
    }

    static func mac(_ body: Data, timestamp: Int, secret: String) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return Hex.encode(code)
    }

}

extension Dictionary where Key == String, Value == String {
    /// A header's value whatever the case of its name.
    func header(_ name: String) -> String? {
        first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// Reading nested JSON without a Codable type per gateway object.
extension [String: Any] {
    func string(_ key: String) -> String? { self[key] as? String }
    func object(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    func integer(_ key: String) -> Int64? {
        if let number = self[key] as? NSNumber { return number.int64Value }
        if let text = self[key] as? String { return Int64(text) }
        return nil
    }
}
