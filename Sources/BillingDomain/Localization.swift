import Foundation

/// Where user-facing texts come from: one catalog per `Language`, looked up by key.
/// `{name}` placeholders in a text are replaced by `arguments["name"]`.
public protocol TextCatalog: Sendable {
    func text(_ key: String, _ language: Language, _ arguments: [String: String]) -> String
}

extension TextCatalog {
    public func text(_ key: String, _ language: Language) -> String { text(key, language, [:]) }
}

/// Texts per language read from JSON objects of key → text (the server's `Locales/*.json`,
/// embedded in the binary; engine tests read the same files). A key missing in a language shows
/// the English text, and a key missing everywhere shows itself (and a test fails) rather than
/// crashing a page.
public struct JSONTextCatalog: TextCatalog {
    let catalogs: [Language: [String: String]]

    public init(_ files: [Language: Data]) throws {
        catalogs = try files.mapValues { try JSONDecoder().decode([String: String].self, from: $0) }
    }

    /// Every key of a language's catalog.
    public func keys(_ language: Language) -> Set<String> { Set(catalogs[language, default: [:]].keys) }

    /// Whether the catalogs have a text for `key`.
    public func has(_ key: String) -> Bool { catalogs[.en]?[key] != nil }

    public func text(_ key: String, _ language: Language, _ arguments: [String: String]) -> String {
        fillPlaceholders(catalogs[language]?[key] ?? catalogs[.en]?[key] ?? key, arguments)
    }
}

/// Fills `{name}` placeholders of a text in one pass over it: each placeholder whose name is in
/// `arguments` is replaced by its value; any other brace is kept as written. Values are not
/// scanned again, so a value that contains `{name}` stays as it is.
public func fillPlaceholders(_ text: String, _ arguments: [String: String]) -> String {
    guard !arguments.isEmpty else { return text }
    let bytes = text.utf8
    guard var open = bytes.firstIndex(of: UInt8(ascii: "{")) else { return text }
    var result = ""
    result.reserveCapacity(bytes.count + 32)
    var copied = bytes.startIndex
    while true {
        let afterOpen = bytes.index(after: open)
        guard let close = bytes[afterOpen...].firstIndex(where: { $0 == UInt8(ascii: "}") || $0 == UInt8(ascii: "{") }) else { break }
        if bytes[close] == UInt8(ascii: "}"), let value = arguments[String(decoding: bytes[afterOpen..<close], as: UTF8.self)] {
            result += Substring(text.utf8[copied..<open])
            result += value
            copied = bytes.index(after: close)
            guard let next = bytes[copied...].firstIndex(of: UInt8(ascii: "{")) else { break }
            open = next
        } else if bytes[close] == UInt8(ascii: "{") {
            open = close
        } else {
            guard let next = bytes[bytes.index(after: close)...].firstIndex(of: UInt8(ascii: "{")) else { break }
            open = next
        }
    }
    result += Substring(text.utf8[copied...])
    return result
}
