import BillingDomain
import BillingServer
import Foundation
import Testing

@Suite("Texts and configuration")
struct LocalizationAndConfigTests {
    @Test func everyLanguageHasEveryKey() {
        let english = Localizer.shared.keys(.en)
        #expect(english.count > 100)
        for language in Language.allCases {
            let keys = Localizer.shared.keys(language)
            #expect(english.subtracting(keys).sorted() == [], "missing in \(language.rawValue)")
            #expect(keys.subtracting(english).sorted() == [], "only in \(language.rawValue)")
        }
    }

    /// Every literal key the code asks for exists in the catalog (dynamic keys are checked by the
    /// page tests that render them).
    @Test func everyKeyUsedInTheCodeExists() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var checked = 0
        let prefixes = Set(Localizer.shared.keys(.en).compactMap { $0.split(separator: ".").first.map(String.init) })
        // `t("…")`, `text("…")`, and the refusal texts the engine names (`"error.…"` anywhere).
        let pattern = try NSRegularExpression(pattern: #"(?:t|text)\("([a-z_]+(?:\.[a-zA-Z_]+)+)"|"(error(?:\.[a-zA-Z_]+)+)""#)
        var missing: [String] = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let group = match.range(at: 1).location != NSNotFound ? 1 : 2
                let key = String(text[Range(match.range(at: group), in: text)!])
                checked += 1
                if prefixes.contains(String(key.split(separator: ".")[0])), !Localizer.shared.keys(.en).contains(key) {
                    missing.append(key)
                }
            }
        }
        #expect(missing == [])
        // The scan read the sources: it found the texts it exists to check.
        #expect(checked > 500)
    }

    @Test func placeholdersAreFilled() {
        #expect(Localizer.shared.text("pager.position", .ru, ["page": "2", "pages": "5"]) == "Страница 2 из 5")
        #expect(Localizer.shared.text("no.such.key", .uk) == "no.such.key")
    }

    @Test func defaultsWorkOutOfTheBox() throws {
        let config = try AppConfig.fromEnvironment([:])
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8080)
        #expect(config.storage == .sqliteFile("billing.sqlite"))
        #expect(config.baseURL == "http://127.0.0.1:8080")
        #expect(config.defaultLanguage == .en)
        #expect(config.defaultCurrency == .EUR)
        #expect(config.bcryptCost == 12)
    }

    @Test func readsEveryVariable() throws {
        let config = try AppConfig.fromEnvironment([
            "BILLING_HOST": "0.0.0.0", "BILLING_PORT": "9090", "DATABASE_URL": "postgres://u:p@db.internal:5432/billing",
            "BILLING_TIME_ZONE": "Europe/Kyiv", "BILLING_BASE_URL": "https://my.example.com/", "BILLING_LANGUAGE": "uk",
            "BILLING_CURRENCY": "uah", "BILLING_COUNTRY": "ua", "BILLING_ENV": "production", "BILLING_DEMO": "false",
            "BILLING_SANDBOX_GATEWAY": "off"
        ])
        #expect(config.port == 9090)
        #expect(config.storage == .postgres(url: "postgres://u:p@db.internal:5432/billing"))
        #expect(config.timeZone.identifier == "Europe/Kyiv")
        #expect(config.baseURL == "https://my.example.com")
        #expect(config.secureCookies)
        #expect(config.defaultLanguage == .uk)
        #expect(config.defaultCurrency == .UAH)
        #expect(config.defaultCountry == "UA")
        #expect(!config.developmentMode)
        #expect(!config.seedDemo)
        #expect(try AppConfig.fromEnvironment(["DATABASE_URL": "sqlite://data/b.sqlite"]).storage == .sqliteFile("data/b.sqlite"))
    }

    @Test func badValuesNameTheVariable() {
        let cases: [(String, String)] = [
            ("BILLING_PORT", "eighty"), ("BILLING_PORT", "70000"), ("BILLING_TIME_ZONE", "Mars/Olympus"),
            ("BILLING_LANGUAGE", "de"), ("BILLING_CURRENCY", "XYZ"), ("DATABASE_URL", "mysql://x"),
            ("BILLING_BASE_URL", "ftp://x"), ("BILLING_ENV", "staging"), ("BILLING_BCRYPT_COST", "2"), ("BILLING_COUNTRY", "ZZZ")
        ]
        for (name, value) in cases {
            do {
                _ = try AppConfig.fromEnvironment([name: value])
                Issue.record("\(name)=\(value) was accepted")
            } catch let error as AppConfig.Invalid {
                #expect(error.variable == name)
                #expect(error.description.hasPrefix("\(name)="))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        // A password in a bad DATABASE_URL is never echoed.
        let secret = (try? AppConfig.fromEnvironment(["DATABASE_URL": "postgresx://u:hunter2@h/db"])) == nil
        #expect(secret)
        do { _ = try AppConfig.fromEnvironment(["DATABASE_URL": "postgresx://u:hunter2@h/db"]) } catch {
            #expect(!String(describing: error).contains("hunter2"))
        }
    }
}
