import BillingDomain
import Crypto
import Foundation

/// Random secrets handed to people (session cookies, API tokens, reset links) and the digests
/// stored in their place.
public enum SecretToken {
    /// 32 random bytes, URL-safe base64 without padding (43 characters).
    public static func generate(prefix: String = "") -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + Base64URL.encode(Data(bytes))
    }

    /// The hex SHA-256 of a token: what the database keeps.
    public static func digest(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }

    /// HMAC-SHA256 of `message` under `key`, URL-safe base64.
    public static func sign(_ message: String, key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return Base64URL.encode(Data(mac))
    }
}
