import Foundation

/// The rules a new password must pass.
public enum PasswordPolicy {
    public static let minimumLength = 12
    public static let maximumLength = 128

    public enum Violation: Error, Equatable, Sendable {
        case tooShort(minimum: Int)
        case tooLong(maximum: Int)
    }

    /// Checks a password a person chose; length is counted in characters as they typed them.
    public static func check(_ password: String) throws(Violation) {
        guard password.count >= minimumLength else { throw .tooShort(minimum: minimumLength) }
        // bcrypt reads only the first 72 bytes; a longer limit in characters keeps pasted
        // pass-phrases working while making the cost of hashing bounded.
        guard password.count <= maximumLength else { throw .tooLong(maximum: maximumLength) }
    }
}

/// E-mail addresses as logins: compared case-insensitively, stored trimmed and lower-cased.
public enum EmailAddress {
    /// The canonical form of an address, or `nil` when it is not an address.
    public static func normalized(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard trimmed.count <= 254, !trimmed.contains(where: { $0.isWhitespace }) else { return nil }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains("..") else { return nil }
        return trimmed
    }
}
