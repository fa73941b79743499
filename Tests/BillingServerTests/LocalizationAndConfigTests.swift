import BillingDomain
import BillingServer
import Foundation
import Messaging
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

    @Test func readsTheIntegrationsAndOperationsVariables() throws {
        let config = try AppConfig.fromEnvironment([
            "BILLING_PROVIDER_NAME": "Acme Hosting", "BILLING_BCRYPT_COST": "10", "BILLING_JOBS": "off",
            "BILLING_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.5", "BILLING_API_RETURN_ORIGINS": "https://Shop.example, http://127.0.0.1:8443",
            "STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_WEBHOOK_SECRET": "whsec_1",
            "STRIPE_API_BASE": "http://127.0.0.1:9", "YOOKASSA_SHOP_ID": "123", "YOOKASSA_SECRET_KEY": "live_2",
            "YOOKASSA_API_BASE": "http://127.0.0.1:8", "SMTP_URL": "smtps://mailer:pw@mail.example.com:465",
            "SMTP_FROM": "Acme Billing <billing@acme.example>", "DATABASE_URL": "sqlite::memory:",
            "TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "tw-secret", "TWILIO_FROM": "MG42", "TWILIO_API_BASE": "http://127.0.0.1:7",
            "PDNS_API_URL": "http://127.0.0.1:8081/", "PDNS_API_KEY": "pdns-key", "PDNS_NAME_SERVERS": "ns1.acme.example, ns2.acme.example",
            "PDNS_SERVER_ID": "acme", "LIBVIRT_WORK_DIR": "/var/lib/billing/libvirt",
            "LIBVIRT_URI": "qemu+ssh://root@kvm1.acme.example/system", "LIBVIRT_POOL": "vms", "LIBVIRT_NETWORK": "public",
            "LIBVIRT_NETMASK": "255.255.255.0", "LIBVIRT_GATEWAY": "203.0.113.1", "LIBVIRT_CONSOLE_HOST": "vnc.acme.example"
        ])
        #expect(config.powerDNS?.apiBase == "http://127.0.0.1:8081")
        #expect(config.powerDNS?.apiKey == "pdns-key")
        #expect(config.powerDNS?.serverID == "acme")
        #expect(config.powerDNS?.nameServers == [HostName("ns1.acme.example")!, HostName("ns2.acme.example")!])
        var libvirt = AppConfig.LibvirtSettings(uri: "qemu+ssh://root@kvm1.acme.example/system")
        libvirt.pool = "vms"
        libvirt.network = "public"
        libvirt.netmask = "255.255.255.0"
        libvirt.gateway = "203.0.113.1"
        libvirt.workDirectory = "/var/lib/billing/libvirt"
        libvirt.consoleHost = "vnc.acme.example"
        #expect(config.libvirt == libvirt)
        #expect(config.libvirt?.domainType == "kvm")
        // A half-configured PowerDNS, a name server that is not a name, a gateway that is not an
        // address: each named.
        #expect(
            throws: AppConfig.Invalid.self,
            performing: {
                try AppConfig.fromEnvironment(["PDNS_API_URL": "http://127.0.0.1:8081", "PDNS_NAME_SERVERS": "ns1.acme.example"])
            })
        let invalid = #expect(throws: AppConfig.Invalid.self) {
            try AppConfig.fromEnvironment([
                "PDNS_API_URL": "http://127.0.0.1:8081", "PDNS_API_KEY": "k", "PDNS_NAME_SERVERS": "ns1.acme.example,not a name",
                "LIBVIRT_URI": "test:///default", "LIBVIRT_GATEWAY": "203.0.113", "LIBVIRT_DOMAIN_TYPE": "xen",
                "LIBVIRT_CONSOLE_HOST": "vnc host!"
            ])
        }
        #expect(invalid?.variables == ["PDNS_NAME_SERVERS", "LIBVIRT_DOMAIN_TYPE", "LIBVIRT_CONSOLE_HOST", "LIBVIRT_GATEWAY"])
        #expect(config.providerName == "Acme Hosting")
        #expect(config.bcryptCost == 10)
        #expect(!config.runJobs)
        #expect(config.trustedProxies == TrustedProxies(["127.0.0.1", "10.0.0.5"]))
        #expect(config.apiReturnOrigins == ["https://shop.example", "http://127.0.0.1:8443"])
        #expect(throws: (any Error).self) { try AppConfig.fromEnvironment(["BILLING_API_RETURN_ORIGINS": "https://shop.example/path"]) }
        #expect(config.stripe?.secretKey == "sk_test_1")
        #expect(config.stripe?.webhookSecret == "whsec_1")
        #expect(config.stripe?.apiBase == "http://127.0.0.1:9")
        #expect(config.yooKassa?.shopID == "123")
        #expect(config.yooKassa?.secretKey == "live_2")
        #expect(config.yooKassa?.apiBase == "http://127.0.0.1:8")
        #expect(config.twilio?.accountSID == "AC123")
        #expect(config.twilio?.authToken == "tw-secret")
        #expect(config.twilio?.from == "MG42")
        #expect(config.twilio?.apiBase == "http://127.0.0.1:7")
        #expect(config.smtp?.host == "mail.example.com")
        #expect(config.smtp?.port == 465)
        #expect(config.smtp?.security == .implicitTLS)
        #expect(config.smtp?.username == "mailer")
        #expect(config.mailFrom == EmailAddressee(name: "Acme Billing", address: "billing@acme.example"))
        #expect(config.storage == .sqliteMemory)
        // Without them: no gateways, no relay, the real API addresses.
        let plain = try AppConfig.fromEnvironment(["STRIPE_SECRET_KEY": "sk", "STRIPE_WEBHOOK_SECRET": "wh"])
        #expect(plain.stripe?.apiBase == "https://api.stripe.com")
        #expect(plain.yooKassa == nil)
        #expect(plain.twilio == nil)
        #expect(plain.smtp == nil)
        #expect(plain.powerDNS == nil)
        #expect(plain.libvirt == nil)
        // Development without a relay writes mail into a folder; MAIL_DIR chooses it; production
        // writes nowhere it was not told to.
        #expect(plain.mailDirectory == "billing-mail")
        #expect(try AppConfig.fromEnvironment(["MAIL_DIR": "/var/mail/billing"]).mailDirectory == "/var/mail/billing")
        #expect(config.mailDirectory == nil)
        // The key of the stored secrets: long enough, never echoed in the complaint.
        let keyed = try AppConfig.fromEnvironment(["BILLING_SECRET_KEY": "0123456789abcdef0123456789abcdef"])
        #expect(keyed.secretKey == "0123456789abcdef0123456789abcdef")
        #expect(plain.secretKey == nil)
        do {
            _ = try AppConfig.fromEnvironment(["BILLING_SECRET_KEY": "short-secret"])
            Issue.record("a short key was taken")
        } catch {
            #expect(!"\(error)".contains("short-secret"))
            #expect("\(error)".contains("BILLING_SECRET_KEY"))
        }
    }

    /// Every variable `AppConfig` reads is exercised by the tests above: a new one cannot be added
    /// without a test that reads it.
    @Test func everyVariableTheConfigurationReadsIsTested() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let source = try String(
            contentsOf: root.appendingPathComponent("Sources/BillingServer/Support/AppConfig.swift"), encoding: .utf8)
        let tests = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"(?:value|flag)\("([A-Z_]+)"\)"#)
        let names = Set(
            pattern.matches(in: source, range: NSRange(source.startIndex..., in: source)).map {
                String(source[Range($0.range(at: 1), in: source)!])
            })
        #expect(names.count >= 20)
        let untested = names.filter { !tests.contains("\"\($0)\": \"") }.sorted()
        #expect(untested == [])
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
