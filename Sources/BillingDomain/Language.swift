import Foundation

/// An interface language of the client and staff areas.
public enum Language: String, Sendable, Codable, CaseIterable, Hashable {
    case en, ru, uk

    /// The language's own name, as the language switch shows it.
    public var nativeName: String {
        switch self {
        case .en: "English"
        case .ru: "Русский"
        case .uk: "Українська"
        }
    }

    /// Picks the best supported language from an `Accept-Language` header value.
    public static func preferred(fromAcceptLanguage header: String?) -> Language? {
        guard let header else { return nil }
        let ranked = header.split(separator: ",").compactMap { part -> (String, Double)? in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first, !tag.isEmpty else { return nil }
            var quality = 1.0
            if let q = pieces.dropFirst().first(where: { $0.hasPrefix("q=") }) {
                quality = Double(q.dropFirst(2)) ?? 0
            }
            return (tag.lowercased(), quality)
        }
        for (tag, _) in ranked.sorted(by: { $0.1 > $1.1 }) {
            let primary = String(tag.prefix { $0 != "-" && $0 != "_" })
            if let language = Language(rawValue: primary) { return language }
            if primary == "ua" { return .uk }
        }
        return nil
    }
}
