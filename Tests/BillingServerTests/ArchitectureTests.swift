import Foundation
import Testing

/// The layering rules of docs/DESIGN.md ("A thin edge"), checked on the sources themselves.
@Suite("Architecture")
struct ArchitectureTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    static func imports(under folder: String) throws -> [(file: String, module: String)] {
        let root = sources.appendingPathComponent(folder)
        var found: [(String, String)] = []
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
        for case let file as URL in files where file.pathExtension == "swift" {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") where line.hasPrefix("import ") {
                found.append((file.lastPathComponent, String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces)))
            }
        }
        return found
    }

    /// Every Swift source file under the given folders of `Sources`.
    static func swiftFiles(in folders: [String]) throws -> [URL] {
        var found: [URL] = []
        for folder in folders {
            let root = sources.appendingPathComponent(folder)
            let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
            for case let file as URL in files where file.pathExtension == "swift" { found.append(file) }
        }
        return found
    }

    @Test func controllersAndViewsReadEngineValuesNeverTheStorage() throws {
        let storage: Set<String> = ["Fluent", "FluentKit", "FluentSQL", "BillingStore", "SQLKit"]
        var checked = 0
        for folder in ["BillingServer/Controllers", "BillingServer/Views"] {
            let found = try Self.imports(under: folder)
            checked += found.count
            let offending = found.filter { storage.contains($0.module) }.map { "\($0.file): import \($0.module)" }
            #expect(offending == [], "\(folder)")
        }
        // The scan read the folders: there are dozens of imports to look at.
        #expect(checked > 50)
    }

    /// The engine is arranged by chapter (docs/DESIGN.md, "The engine by chapter"): every file sits
    /// in its chapter's folder, and nothing of the demo or the benchmarks lives in it.
    @Test func theEngineIsArrangedByChapterWithoutTheDemo() throws {
        let root = Self.sources.appendingPathComponent("BillingEngine")
        let entries = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted()
        #expect(
            entries == [
                "Accounts", "Catalog", "Context", "DailyPass", "Jobs", "Ledger", "Notices", "Ordering", "Payments", "Provider", "Services"
            ])
        let engine = try Self.swiftFiles(in: ["BillingEngine"]).map(\.lastPathComponent)
        #expect(engine.count > 40)
        #expect(engine.filter { $0.contains("Demo") || $0.contains("Benchmark") } == [])
        let engineImports = Set(try Self.imports(under: "BillingEngine").map(\.module))
        #expect(!engineImports.contains("BillingDemo"))
    }

    /// Engine tests run on the engine alone (`TestEngine`): neither they nor their support reach
    /// the web server, so they build and run without booting it (docs/DESIGN.md, "Test support").
    @Test func engineTestsDoNotReachTheWebServer() throws {
        let tests = Self.sources.deletingLastPathComponent().appendingPathComponent("Tests")
        var modules: [String: Set<String>] = [:]
        for folder in ["BillingEngineTests", "EngineTestSupport", "PaymentsTestSupport", "ProvisioningTestSupport"] {
            let files = try #require(
                FileManager.default.enumerator(at: tests.appendingPathComponent(folder), includingPropertiesForKeys: nil))
            for case let file as URL in files where file.pathExtension == "swift" {
                for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") where line.hasPrefix("import ") {
                    modules[folder, default: []].insert(String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces))
                }
            }
        }
        #expect(modules.count == 4)
        for (folder, imported) in modules {
            let server = imported.intersection(["Vapor", "VaporTesting", "Fluent", "BillingServer", "BillingTestSupport"])
            #expect(server.isEmpty, "\(folder) imports \(server.sorted())")
        }
    }

    @Test func theExecutableIsAThinShellOverBillingServer() throws {
        let modules = Set(try Self.imports(under: "billing").map(\.module))
        #expect(modules == ["ArgumentParser", "BillingServer"])
    }

    /// ARCHITECTURE.md, "Money": whether an account may spend is decided by one rule. Outside the
    /// ledger itself, a client's balance is read only through `Ledger.spendingPower`, so no path
    /// can compare a balance on its own (and forget the credit limit, FIN-11). Only the ledger
    /// writes entries, so the kept balances (`client_balances`) cannot miss one.
    @Test func onlyTheSpendingRuleReadsAClientsBalance() throws {
        var offending: [String] = []
        let files = try Self.swiftFiles(in: ["BillingEngine", "BillingDemo", "BillingServer"])
        for file in files {
            // The benchmark's raw ceiling writes the ledger's rows by plain SQL on purpose, to a
            // throwaway database: it is the yardstick the engine is measured against.
            guard !["Ledger.swift", "Spending.swift", "RenewalBenchmark.swift"].contains(file.lastPathComponent) else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            let readsOrWritesTheLedger = ["FROM ledger_entries", "INTO ledger_entries", "LedgerEntryRecord(", "client_balances"]
            if text.contains(".balance(of:") || readsOrWritesTheLedger.contains(where: text.contains) {
                offending.append(file.lastPathComponent)
            }
        }
        #expect(offending == [])
        #expect(files.count > 60)
    }

    /// Use cases take values (`Account`, ids), never stored records: the edge cannot hand the
    /// engine a row it read earlier, and the engine reads what it needs fresh.
    @Test func publicUseCasesTakeValuesNotRecords() throws {
        let root = Self.sources.appendingPathComponent("BillingEngine")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
        let signature = try NSRegularExpression(
            pattern: #"public (?:static )?func \w+(?:<[^>]*>)?\((.*?)\)\s*(?:async|throws|->|\{)"#, options: [.dotMatchesLineSeparators])
        let recordParameter = try NSRegularExpression(pattern: #":\s*\[?\w+Record\b"#)
        var signatures = 0
        var offending: [String] = []
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in signature.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                signatures += 1
                let parameters = (text as NSString).substring(with: match.range(at: 1))
                if recordParameter.firstMatch(in: parameters, range: NSRange(parameters.startIndex..., in: parameters)) != nil {
                    offending.append(file.lastPathComponent + ": " + (text as NSString).substring(with: match.range).prefix(80))
                }
            }
        }
        #expect(offending == [])
        #expect(signatures > 100)
    }

    /// Records hold typed fields (`status: ServiceStatus`, `currency: Currency`): no code turns a
    /// record's text back into a type, or compares it with a string literal.
    @Test func recordsAreReadTypedNotFromText() throws {
        let roundTrip = try NSRegularExpression(
            pattern:
                #"\(rawValue: (?:record|service|payment|order|account|item|row)\.\w+\)|Currency\.named\((?:record|service|payment|order|account|item)\.|\.(?:status|kind|purpose|currency) == "[a-z_]+""#
        )
        var offending: [String] = []
        let files = try Self.swiftFiles(in: ["BillingEngine", "BillingDemo", "BillingServer"])
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in roundTrip.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                offending.append(file.lastPathComponent + ": " + (text as NSString).substring(with: match.range))
            }
        }
        #expect(offending == [])
        #expect(files.count > 60)
    }

    /// Amounts of a record are read through `KeepsMoney.money(_:)`, never rebuilt from the record's
    /// number and a currency taken from somewhere (docs/DESIGN.md, "Typed records").
    @Test func recordsAmountsAreReadAsMoneyNotRebuilt() throws {
        let rebuilt = try NSRegularExpression(
            pattern: #"Money\(units: (?:record|service|payment|order|refund|setting|found|price|entry|row|fresh)\??\.\w+"#)
        var offending: [String] = []
        let files = try Self.swiftFiles(in: ["BillingEngine", "BillingDemo", "BillingServer"])
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in rebuilt.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                offending.append(file.lastPathComponent + ": " + (text as NSString).substring(with: match.range))
            }
        }
        // Kept on purpose: an order item's amounts are in its order's currency (the item has none of
        // its own), a rate is stored in millionths, and a promo code's currency may be absent.
        let exceptions = [
            "OrderValues.swift: Money(units: record.amount", "OrderValues.swift: Money(units: record.tax",
            "CatalogValues.swift: Money(units: record.rateMicros", "CatalogValues.swift: Money(units: record.value"
        ]
        #expect(offending.filter { !exceptions.contains($0) } == [])
        #expect(files.count > 60)
    }
}
