import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import FluentSQL
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import BillingServer

/// The privacy policy's versions (ACC-7): staff publish, everyone reads the current one and each
/// earlier one with its date; a published version never changes, not even by SQL.
@Suite("Privacy policy")
struct PrivacyPolicyTests {
    @Test func staffPublishVersionsAndEveryoneReadsTheCurrentAndTheEarlierOnes() async throws {
        try await TestApp.run { app, clock in
            let reader = Browser(app)
            let nothing = try await reader.get("/privacy")
            #expect(nothing.status == .ok)
            #expect(nothing.testID("policy-none") == "The provider has not published a privacy policy yet.")
            #expect(try await reader.get("/login").text.contains(#"href="/privacy""#))

            let admin = try await Browser.staff(app)
            try await admin.get("/admin/privacy-policy")
            let empty = try await admin.post("/admin/privacy-policy", form: ["text_en": "  ", "text_ru": "Текст", "text_uk": ""])
            #expect(empty.status == .unprocessableEntity)
            #expect(PageText.readable(empty.text).contains("Write the policy in English, the provider's language."))
            // What was typed stays in the form.
            #expect(empty.text.contains(">Текст</textarea>"))
            #expect(try await PrivacyPolicyRecord.query(on: app.db).count() == 0)

            let published = try await admin.post(
                "/admin/privacy-policy",
                form: [
                    "text_en": "We keep your name.\r\n\r\nWe never <script>sell</script> it.", "text_ru": "Мы храним ваше имя.",
                    "text_uk": "",
                    "summary": "First version"
                ])
            #expect(published.location == "/admin/privacy-policy?notice=policy_published&version=1")
            #expect(try await admin.get(published.location!).text.contains("Version 1 is published."))

            var page = try await reader.get("/privacy")
            #expect(page.testID("policy-version") == "Version 1, in force since 2026-01-15.")
            #expect(page.text.contains(#"data-testid="policy-text"><p>We keep your name.</p><p>"#))
            #expect(page.text.contains("We never &lt;script&gt;sell&lt;/script&gt; it."))
            #expect(page.testIDs("policy-versions").isEmpty)
            try await reader.post("/lang", form: ["language": "ru", "back": "/privacy"])
            page = try await reader.get("/privacy")
            #expect(page.testID("policy-version") == "Версия 1, действует с 2026-01-15.")
            #expect(PageText.readable(page.text).contains("Мы храним ваше имя."))
            try await reader.post("/lang", form: ["language": "uk", "back": "/privacy"])
            page = try await reader.get("/privacy")
            #expect(PageText.readable(page.text).contains("Цю версію не опубліковано вашою мовою"))
            #expect(PageText.readable(page.text).contains("We keep your name."))

            clock.advance(days: 40)
            // The staff session ran out meanwhile: the administrator logs in again.
            try await admin.get("/admin/login")
            try await admin.post("/admin/login", form: ["email": "administrator@provider.example", "password": "staff password 1"])
            try await admin.get("/admin/privacy-policy")
            try await admin.post(
                "/admin/privacy-policy",
                form: [
                    "text_en": "We keep your name and phone.", "text_ru": "", "text_uk": "Ми зберігаємо ім'я й телефон.", "summary": "Phone"
                ])
            page = try await reader.get("/privacy")
            #expect(page.testID("policy-version") == "Версія 2, чинна з 2026-02-24.")
            #expect(PageText.readable(page.text).contains("Ми зберігаємо ім'я й телефон."))
            #expect(page.text.contains(#"href="/privacy/versions/1""#))
            let earlier = try await reader.get("/privacy/versions/1")
            #expect(earlier.testID("policy-version") == "Версія 1 від 2026-01-15: попередня версія, більше не чинна.")
            #expect(PageText.readable(earlier.text).contains("We keep your name."))
            #expect(try await reader.get("/privacy/versions/9").status == .notFound)
            #expect(try await reader.get("/privacy/versions/first").status == .notFound)

            // A published version never changes.
            await #expect(throws: (any Error).self) { try await app.db.sql.raw("UPDATE privacy_policies SET text_en = 'nothing'").run() }
            await #expect(throws: (any Error).self) { try await app.db.sql.raw("DELETE FROM privacy_policies").run() }
            #expect(try await PrivacyPolicyRecord.query(on: app.db).count() == 2)
            // The publishing is in the audit log; support may not publish.
            #expect(try await admin.get("/admin/audit").testIDs("audit-action").first == "Published a privacy policy version")
            let support = try await Browser.staff(app, role: .support)
            #expect(try await support.get("/admin/privacy-policy").status == .forbidden)
        }
    }
}
