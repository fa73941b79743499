import BillingDomain
import Crypto
import Foundation

/// How a client reaches a server's screen and keyboard (the IP-KVM tab, SVC-4).
public enum ConsoleKind: String, Sendable, Hashable {
    /// A VPS's VNC console on its host, with a password derived for the service.
    case vnc
    /// A dedicated server's BMC: a temporary user is added for the client and removed again.
    case bmc
}

/// Where a VPS's VNC console listens and the password that opens it. Derived from the service
/// and the module's configuration, so reading it asks no backend.
public struct VNCConsole: Sendable, Hashable {
    public let host: String
    public let port: Int
    public let password: String

    public init(host: String, port: Int, password: String) {
        self.host = host
        self.port = port
        self.password = password
    }

    /// VNC allows 8 characters: the first 8 of an HMAC of the domain name under the console
    /// key, so the password is never stored and is the same on every retry.
    public static func password(forDomain name: String, key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("console:\(name)".utf8), using: SymmetricKey(data: Data(key.utf8)))
        let alphabet = ServerLogin.alphabet
        return String(Data(mac).prefix(8).map { alphabet[Int($0) % alphabet.count] })
    }
}

/// A user and its password: the login a server is handed over with (its administrator, set by
/// the module at opening and at each reinstall, SVC-3), or the temporary BMC user of a client's
/// IP-KVM session.
public struct ServerLogin: Sendable, Hashable {
    public let user: String
    public let password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// The name of a service's IP-KVM user on its BMC (IPMI allows 16 characters).
    public static func consoleUser(forService number: Int) -> String { "kvm\(number)" }

    /// Letters and digits a person can type from the screen (no 0/O, 1/l/I).
    public static let alphabet = Array("abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789")

    /// A new random password of `length` characters of `alphabet`.
    public static func newPassword(length: Int = 16) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }
}
