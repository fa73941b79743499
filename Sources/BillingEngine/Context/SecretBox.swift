import Crypto
import Foundation

/// Encrypts the secrets the platform must read back (a two-step login's TOTP key now; the
/// credentials of processing modules next) with AES-256-GCM under the installation's secret key
/// (`BILLING_SECRET_KEY`). A copy of the database alone does not reveal them; a changed key makes
/// them unreadable, so the key is configuration to keep, like the database.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    /// A box with the key derived from `material` (the configured key, or the installation's
    /// stored fallback), through HKDF so any length and alphabet of material gives a 256-bit key.
    public init(keyMaterial material: String) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(material.utf8)), info: Data("billing secret box v1".utf8), outputByteCount: 32)
    }

    /// `v1:` and the base64 of nonce, ciphertext and tag.
    public func seal(_ plain: Data) throws -> String {
        let box = try AES.GCM.seal(plain, using: key)
        guard let combined = box.combined else { throw CryptoKitError.incorrectParameterSize }
        return "v1:" + combined.base64EncodedString()
    }

    /// The plain bytes, or `nil` for a text this box did not seal (another key, tampered, not ours).
    public func open(_ sealed: String) -> Data? {
        guard sealed.hasPrefix("v1:"), let data = Data(base64Encoded: String(sealed.dropFirst(3))),
            let box = try? AES.GCM.SealedBox(combined: data)
        else { return nil }
        return try? AES.GCM.open(box, using: key)
    }
}
