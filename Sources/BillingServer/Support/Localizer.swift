import BillingDomain
import Foundation

/// The texts of the client and staff areas and of e-mails, one JSON catalog per language,
/// embedded in the binary. A key missing in any language fails `LocalizationTests`.
public struct Localizer: TextCatalog {
    let catalogs: [Language: [String: String]]

    public static let shared = Localizer()

    init() {
        func load(_ bytes: [UInt8], _ language: Language) -> [String: String] {
            do {
                return try JSONDecoder().decode([String: String].self, from: Data(bytes))
            } catch {
                fatalError("the \(language.rawValue) text catalog is not valid JSON: \(error)")
            }
        }
        catalogs = [
            .en: load(PackageResources.en_json, .en),
            .ru: load(PackageResources.ru_json, .ru),
            .uk: load(PackageResources.uk_json, .uk)
        ]
    }

    /// Every key of a language's catalog, for the completeness test.
    public func keys(_ language: Language) -> Set<String> { Set(catalogs[language, default: [:]].keys) }

    /// Whether the catalogs have a text for `key`.
    public func has(_ key: String) -> Bool { catalogs[.en]?[key] != nil }

    public func text(_ key: String, _ language: Language, _ arguments: [String: String]) -> String {
        // A missing text shows its key (and a test fails) rather than crashing a page.
        fillPlaceholders(catalogs[language]?[key] ?? catalogs[.en]?[key] ?? key, arguments)
    }
}
