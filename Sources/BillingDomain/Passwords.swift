import Foundation

/// The rules a new password must pass.
public enum PasswordPolicy {
    public static let minimumLength = 12
    public static let maximumLength = 128

    /// bcrypt reads only the first 72 bytes of a password and silently ignores the rest, so a
    /// longer one is refused rather than weaker than it looks.
    public static let maximumBytes = 72

    /// Checks a password a person chose; length is counted in characters as they typed them.
    public static func check(_ password: String) throws(PasswordError) {
        guard !password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .controlCharacters
        }
        guard password.count >= minimumLength else { throw .tooShort(minimum: minimumLength) }
        guard password.count <= maximumLength else { throw .tooLong(maximum: maximumLength) }
        guard password.utf8.count <= maximumBytes else { throw .tooManyBytes(maximum: maximumBytes) }
    }
}

extension String {
    /// Whether the text holds invisible control characters (NUL, escape, bell …); with
    /// `allowingLineBreaks`, tabs and line breaks of a multi-line field are fine.
    public func hasControlCharacters(allowingLineBreaks: Bool = false) -> Bool {
        unicodeScalars.contains { scalar in
            guard scalar.properties.generalCategory == .control else { return false }
            return !(allowingLineBreaks && (scalar == "\t" || scalar == "\n" || scalar == "\r"))
        }
    }
}

/// E-mail addresses as logins: compared case-insensitively, stored trimmed and lower-cased.
public enum EmailAddress {
    /// The canonical form of an address, or `nil` when it is not an address.
    public static func normalized(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard trimmed.count <= 254, !trimmed.contains(where: { $0.isWhitespace }), !trimmed.hasControlCharacters() else { return nil }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains("..")
        else { return nil }
        return trimmed
    }
}

/// A phone number in international form (E.164): `+` and 8 to 15 digits. What people type
/// (`+380 (44) 123-45-67`, `00380…`) is reduced to it; anything else is not a number.
public enum PhoneNumber {
    public static func normalized(_ text: String) -> String? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("+") {
            rest = rest.dropFirst()
        } else if rest.hasPrefix("00") {
            rest = rest.dropFirst(2)
        } else {
            return nil
        }
        var digits = ""
        for character in rest {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if !" -().".contains(character) {
                return nil
            }
        }
        guard (8...15).contains(digits.count), digits.first != "0" else { return nil }
        return "+" + digits
    }

    /// The number with all but its first three and last two characters hidden, for pages and
    /// staff lists: `+38••••••••67`.
    public static func masked(_ number: String) -> String {
        guard number.count > 5 else { return number }
        return number.prefix(3) + String(repeating: "•", count: number.count - 5) + number.suffix(2)
    }
}

public enum PasswordError: Error, Equatable, Sendable {
    case tooShort(minimum: Int)
    case tooLong(maximum: Int)
    /// More than `maximumBytes` in UTF-8 (a Cyrillic letter takes two).
    case tooManyBytes(maximum: Int)
    /// NUL, tabs, line breaks and other invisible control characters.
    case controlCharacters
}

extension PasswordError: Refusal {
    public var code: String { "password_invalid" }

    public var textKey: String {
        switch self {
        case .tooShort: "error.password.too_short"
        case .tooLong: "error.password.too_long"
        case .tooManyBytes: "error.password.too_many_bytes"
        case .controlCharacters: "error.password.control"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .tooShort(let minimum): ["min": .number(minimum)]
        case .tooLong(let maximum), .tooManyBytes(let maximum): ["max": .number(maximum)]
        case .controlCharacters: [:]
        }
    }
}
