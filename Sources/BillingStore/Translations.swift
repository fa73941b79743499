import BillingDomain
import Foundation

/// Texts of a catalog record in languages other than English, kept as JSON in its `translations`
/// column: `{"name.ru": "…", "summary.uk": "…"}`. English stays in the record's own column and is
/// required; a missing or empty translation shows the English text.
public protocol Translatable: AnyObject {
    var translations: String? { get set }
}

/// The field names and languages staff translate.
public enum Translations {
    /// Languages a staff form asks for besides English.
    public static let languages: [Language] = Language.allCases.filter { $0 != .en }

    public static func decode(_ json: String?) -> [String: String] {
        guard let json, let data = json.data(using: .utf8) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }

    public static func encode(_ values: [String: String]) -> String? {
        let kept = values.filter { !$0.value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        guard !kept.isEmpty, let data = try? JSONEncoder().encode(kept) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

extension Translatable {
    /// `field` in `language`, or `english` when there is no translation.
    public func translated(_ field: String, english: String, in language: Language) -> String {
        guard language != .en, let value = Translations.decode(translations)["\(field).\(language.rawValue)"],
            !value.trimmingCharacters(in: .whitespaces).isEmpty
        else { return english }
        return value
    }

    /// The translation of `field` in `language` as staff entered it ("" when none).
    public func translation(_ field: String, _ language: Language) -> String {
        Translations.decode(translations)["\(field).\(language.rawValue)"] ?? ""
    }
}

extension PlanRecord: Translatable {
    public func name(in language: Language) -> String { translated("name", english: name, in: language) }
    public func summary(in language: Language) -> String { translated("summary", english: summary, in: language) }
}

extension AddonRecord: Translatable {
    public func name(in language: Language) -> String { translated("name", english: name, in: language) }
}
