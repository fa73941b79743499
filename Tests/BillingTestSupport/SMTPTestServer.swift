import Foundation
import Testing

/// The real SMTP server `.ci/run` starts (`e2e/smtp_server.py`, aiosmtpd): its ports, CA and
/// Maildir, read from the JSON file `SMTP_TEST_CONFIG` names.
public struct SMTPTestServer: Sendable {
    public let plain: Int
    public let startTLS: Int
    public let tls: Int
    public let ca: String
    public let maildir: String
    public let user: String
    public let password: String

    public static var configPath: String? { ProcessInfo.processInfo.environment["SMTP_TEST_CONFIG"] }
    public static var isConfigured: Bool { configPath.map { FileManager.default.fileExists(atPath: $0) } ?? false }

    public static func load() throws -> SMTPTestServer {
        let data = try Data(contentsOf: URL(fileURLWithPath: try #require(configPath)))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let ports = try #require(object["ports"] as? [String: Int])
        return SMTPTestServer(
            plain: try #require(ports["plain"]), startTLS: try #require(ports["starttls"]), tls: try #require(ports["tls"]),
            ca: try #require(object["ca"] as? String), maildir: try #require(object["maildir"] as? String),
            user: try #require(object["user"] as? String), password: try #require(object["password"] as? String))
    }

    /// The stored messages (raw text) whose Message-ID is `id`.
    public func messages(withID id: String) throws -> [String] {
        var found: [String] = []
        for folder in ["new", "cur"] {
            let path = maildir + "/" + folder
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                let text = try String(contentsOfFile: path + "/" + name, encoding: .utf8)
                if text.contains("Message-ID: \(id)") { found.append(text) }
            }
        }
        return found
    }

    /// The text part of a stored message, decoded (the platform sends it as base64).
    public static func decodedText(_ raw: String) throws -> String {
        let lines = raw.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: "Content-Type: text/plain; charset=utf-8") else { return "" }
        let encoded = lines[(start + 3)...].prefix { !$0.hasPrefix("--") && !$0.isEmpty }.joined()
        return String(decoding: Data(base64Encoded: encoded) ?? Data(), as: UTF8.self)
    }
}
