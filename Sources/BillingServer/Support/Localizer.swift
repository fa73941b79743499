import BillingDomain
import Foundation

/// The texts of the client and staff areas and of e-mails, one JSON catalog per language,
/// embedded in the binary. A key missing in any language fails `LocalizationTests`.
public struct Localizer: TextCatalog {
    let catalog: JSONTextCatalog

    public static let shared = Localizer()

    init() {
        do {
            catalog = try JSONTextCatalog([
                .en: Data(PackageResources.en_json), .ru: Data(PackageResources.ru_json), .uk: Data(PackageResources.uk_json)
            ])
        } catch {
            fatalError("a text catalog is not valid JSON: \(error)")
        }
    }

    /// Every key of a language's catalog, for the completeness test.
    public func keys(_ language: Language) -> Set<String> { catalog.keys(language) }

    /// Whether the catalogs have a text for `key`.
    public func has(_ key: String) -> Bool { catalog.has(key) }

    public func text(_ key: String, _ language: Language, _ arguments: [String: String]) -> String {
        catalog.text(key, language, arguments)
    }
}
