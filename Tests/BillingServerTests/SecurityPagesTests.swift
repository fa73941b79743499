import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import BillingServer

/// The security page's sessions, tokens and login history, and the profile's password change
/// (ACC-2, ACC-5, ASVS 3.3.4), as the owner and a sub-user see them.
@Suite("Sessions, login history and profile")
struct SecurityPagesTests {
    @Test func endingAnotherSessionLogsThatBrowserOutAndTheHistoryShowsEveryAttempt() async throws {
        try await TestApp.run { app, clock in
            let anna = try await app.signUpClient()
            let laptop = Browser(app)
            try await laptop.logIn()
            clock.advance(by: 60)
            let phone = Browser(app)
            #expect(try await phone.logIn(password: "wrong password 1").status == .unauthorized)
            clock.advance(by: 60)
            try await phone.logIn()
            let (igor, _) = try await AccessTableTests.subUser(app, account: anna.accountID, rights: [.viewServices])

            let page = try await laptop.get("/account/security")
            #expect(page.testIDs("session-row").count == 3) // Anna's two and Igor's (the owner sees all)
            #expect(page.testIDs("this-session").count == 1)
            #expect(
                page.testIDs("login-outcome").prefix(4) == ["Logged in", "Logged in", "Wrong password", "Logged in"])
            // Igor, without the security right, sees only his own session and logins.
            let igorsPage = try await igor.get("/account/security")
            #expect(igorsPage.testIDs("session-row").count == 1)
            #expect(igorsPage.testIDs("login-outcome") == ["Logged in"])
            let annasSessions = try await WebSessionRecord.query(on: app.db).filter(\.$principalID == anna.userID).all()
            let phoneSession = try #require(annasSessions.sorted { $0.createdAt < $1.createdAt }.last)
            #expect(
                try await igor.post("/account/security/sessions/\(phoneSession.id!.uuidString.lowercased())/end", form: [:]).status
                    == .notFound)
            #expect(try await phone.get("/dashboard").status == .ok)

            // Anna ends the phone's session from the laptop: the phone is logged out.
            try await laptop.get("/account/security")
            let ended = try await laptop.post("/account/security/sessions/\(phoneSession.id!.uuidString.lowercased())/end", form: [:])
            #expect(ended.location == "/account/security?notice=session_ended")
            #expect(try await phone.get("/dashboard").location?.hasPrefix("/login") == true)
            #expect(try await laptop.get("/dashboard").status == .ok)

            // "End all other sessions" keeps only this one.
            let tablet = Browser(app)
            try await tablet.logIn()
            try await laptop.get("/account/security")
            #expect(
                try await laptop.post("/account/security/end-other-sessions", form: [:]).location
                    == "/account/security?notice=other_sessions_ended")
            #expect(try await tablet.get("/dashboard").location?.hasPrefix("/login") == true)
            #expect(try await laptop.get("/dashboard").status == .ok)
            #expect(try await igor.get("/dashboard").status == .ok) // another user's sessions are theirs
        }
    }

    @Test func aTokenIsListedAndRevokedFromThePage() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient()
            let api = try await APIClient.logIn(app)
            let anna = Browser(app)
            try await anna.logIn()
            let page = try await anna.get("/account/security")
            #expect(page.testIDs("token-row").count == 1)
            #expect(page.testIDs("login-outcome").contains("Logged in"))
            let token = try #require(try await APITokenRecord.query(on: app.db).first())
            #expect(
                try await anna.post("/account/security/tokens/\(token.id!.uuidString.lowercased())/revoke", form: [:]).location
                    == "/account/security?notice=token_revoked")
            #expect(try await api.send(.GET, "/v1/me").status == .unauthorized)
        }
    }

    @Test func changingThePasswordNeedsTheCurrentOneEndsOtherSessionsAndTellsTheUser() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            let here = Browser(app)
            try await here.logIn()
            let elsewhere = Browser(app)
            try await elsewhere.logIn()
            let profile = try await here.get("/account/profile")
            #expect(profile.testID("profile-email") == "anna@example.com")
            #expect(profile.testID("owner-fixed")?.contains("contact support") == true)
            #expect(try await here.post("/account/profile", form: ["name": "Someone Else"]).status == .forbidden)

            try await here.get("/account/profile")
            let wrong = try await here.post(
                "/account/profile/password", form: ["current": "not my password", "password": "a brand new password"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.text.contains("The current password is not right."))
            let weak = try await here.post("/account/profile/password", form: ["current": "correct horse battery", "password": "short"])
            #expect(weak.status == .unprocessableEntity)
            #expect(try await elsewhere.get("/dashboard").status == .ok)

            let changed = try await here.post(
                "/account/profile/password", form: ["current": "correct horse battery", "password": "a brand new password"])
            #expect(changed.location == "/account/profile?notice=password_changed_here")
            #expect(try await here.get("/dashboard").status == .ok)
            #expect(try await elsewhere.get("/dashboard").location?.hasPrefix("/login") == true)
            // (The second browser's login mailed a new-sign-in notice too: the queue sends in any order.)
            let subjects = try await app.deliveredMail(to: "anna@example.com").map(\.subject)
            #expect(subjects.filter { $0 == "Your Demo Hosting password was changed" }.count == 1)
            #expect(try await Browser(app).logIn(password: "a brand new password").location == "/dashboard")
            let user = try #require(try await UserRecord.find(anna.userID, on: app.db))
            #expect(user.name == "Anna Client")

            // A sub-user renames themselves.
            let (igor, igorRecord) = try await AccessTableTests.subUser(app, account: anna.accountID, rights: [])
            try await igor.get("/account/profile")
            #expect(
                try await igor.post("/account/profile", form: ["name": "Igor Petrenko"]).location == "/account/profile?notice=profile_saved"
            )
            #expect(try await UserRecord.find(igorRecord.id, on: app.db)?.name == "Igor Petrenko")
        }
    }

    /// A login from a browser that never signed in as the user is e-mailed to them; the first
    /// login ever and a known browser are not.
    @Test func aSignInFromANewBrowserIsMailedToTheUser() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient()
            func notices() async throws -> [String] {
                try await app.deliveredMail(to: "anna@example.com").map(\.subject).filter { $0.hasPrefix("New sign-in") }
            }
            let laptop = Browser(app)
            laptop.headers.replaceOrAdd(name: .userAgent, value: "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0")
            try await laptop.logIn()
            #expect(try await notices().isEmpty)
            try await laptop.post("/logout", form: [:])
            try await laptop.logIn()
            #expect(try await notices().isEmpty)
            let stranger = Browser(app)
            stranger.headers.replaceOrAdd(
                name: .userAgent, value: "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36")
            try await stranger.logIn()
            #expect(try await notices() == ["New sign-in to your Demo Hosting account"])
            let mail = try #require(try await app.deliveredMail(to: "anna@example.com").first { $0.subject.hasPrefix("New sign-in") })
            #expect(mail.text.contains("Browser: Chrome on Windows"))
        }
    }

    /// Another address receives a copy of the categories ticked for it, never security mail.
    @Test func anotherAddressGetsTheCategoriesTickedAndNoSecurityMail() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            let browser = Browser(app)
            try await browser.logIn()
            try await browser.get("/account/profile")
            let added = try await browser.post(
                "/account/profile/emails", form: ["email": "Books@Example.com", "category.finance": "on", "category.support": "on"])
            #expect(added.location == "/account/profile?notice=email_confirmation_sent")
            try await browser.get("/account/profile")
            #expect(try await browser.post("/account/profile/emails", form: ["email": "anna@example.com"]).status == .conflict)
            #expect(try await browser.post("/account/profile/emails", form: ["email": "not an address"]).status == .unprocessableEntity)
            var page = try await browser.get("/account/profile")
            #expect(page.testIDs("alternative-email-address") == ["books@example.com"])
            #expect(page.testIDs("alternative-email-unconfirmed") == ["Not confirmed"])

            // Until its owner follows the link sent to it, the address receives nothing.
            try await app.engine.outbox.enqueue(
                to: "anna@example.com", subject: "Invoice 41", body: "Pay it", category: .finance, accountID: anna.accountID, on: app.db)
            let token = try #require(try await app.mailedTokens(to: "books@example.com", path: "/emails/confirm/").first)
            #expect(app.sentMail.filter { $0.to == "books@example.com" }.map(\.subject) == ["Confirm this address for Demo Hosting"])
            let owner = Browser(app)
            #expect(try await owner.get("/emails/confirm/\(token)").testIDs("email-confirm-form").count == 1)
            // Opening the link changed nothing (mail scanners open links); the button confirms.
            #expect(try await UserEmailRecord.query(on: app.db).first()?.confirmedAt == nil)
            let confirmed = try await owner.post("/emails/confirm/\(token)", form: [:])
            #expect(confirmed.testID("email-confirm-result") == "books@example.com is confirmed. It now receives the copies chosen for it.")
            #expect(try await owner.post("/emails/confirm/\(token)", form: [:]).status == .gone)
            page = try await browser.get("/account/profile")
            #expect(page.testIDs("alternative-email-unconfirmed").isEmpty)

            // An invoice goes to both; a password change only to the login address.
            try await app.engine.outbox.enqueue(
                to: "anna@example.com", subject: "Invoice 42", body: "Pay it", category: .finance, accountID: anna.accountID, on: app.db)
            try await app.engine.outbox.enqueue(
                to: "anna@example.com", subject: "News", body: "Hi", category: .news, accountID: anna.accountID, on: app.db)
            try await browser.post(
                "/account/profile/password", form: ["current": "correct horse battery", "password": "a brand new password"])
            #expect(try await app.deliveredMail(to: "books@example.com").map(\.subject).dropFirst() == ["Invoice 42"])
            #expect(try await app.deliveredMail(to: "anna@example.com").map(\.subject).contains("Your Demo Hosting password was changed"))

            // Unticking finance stops the copies; removing the address removes it.
            let id = try #require(try await UserEmailRecord.query(on: app.db).first()?.id)
            try await browser.get("/account/profile")
            try await browser.post("/account/profile/emails/\(id.uuidString.lowercased())", form: ["category.news": "on"])
            try await app.engine.outbox.enqueue(
                to: "anna@example.com", subject: "Invoice 43", body: "Pay it", category: .finance, accountID: anna.accountID, on: app.db)
            try await app.engine.outbox.enqueue(
                to: "anna@example.com", subject: "News 2", body: "Hi", category: .news, accountID: anna.accountID, on: app.db)
            #expect(try await app.deliveredMail(to: "books@example.com").map(\.subject).dropFirst() == ["Invoice 42", "News 2"])
            try await browser.get("/account/profile")
            #expect(
                try await browser.post("/account/profile/emails/\(id.uuidString.lowercased())/delete", form: [:]).location
                    == "/account/profile?notice=email_removed")
            #expect(try await UserEmailRecord.query(on: app.db).count() == 0)
        }
    }

    /// The export arrives as a CSV attachment with the user's data, once an hour at most.
    @Test func thePersonalDataExportArrivesAsACSVAttachment() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient(name: "Анна Клієнт")
            let browser = Browser(app)
            try await browser.logIn()
            try await browser.get("/account/profile")
            try await browser.post("/account/profile/emails", form: ["email": "=cmd@example.com", "category.finance": "on"])
            try await browser.get("/account/profile")
            #expect(
                try await browser.post("/account/profile/personal-data", form: [:]).location
                    == "/account/profile?notice=personal_data_sent")
            try await browser.get("/account/profile")
            let again = try await browser.post("/account/profile/personal-data", form: [:])
            #expect(again.status == .tooManyRequests)
            let mail = try #require(
                try await app.deliveredMail(to: "anna@example.com").first { $0.subject.hasPrefix("Your personal data") })
            let file = try #require(mail.attachments.first)
            #expect(file.filename == "personal-data.csv")
            #expect(file.contentType == "text/csv; charset=utf-8")
            #expect(Array(file.data.prefix(3)) == [0xEF, 0xBB, 0xBF])
            let text = String(decoding: file.data.dropFirst(3), as: UTF8.self)
            #expect(text.hasPrefix("section,field,value\r\nuser,email,anna@example.com\r\nuser,name,Анна Клієнт\r\n"))
            #expect(text.contains("account,client_code,10001"))
            #expect(text.contains("other_email,'=cmd@example.com,finance")) // no formula for a spreadsheet to run
            #expect(text.contains("login,") && text.contains("success web"))
            // The outbox keeps the message, not the data.
            let stored = try #require(try await OutboxEmailRecord.query(on: app.db).filter(\.$attachment == .personalData).first())
            #expect(!stored.body.contains("10001"))
        }
    }

    /// The settings page changes the user's language and the account's currency, and comes back.
    @Test func theSettingsPageChangesTheLanguageAndTheCurrency() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            let browser = Browser(app)
            try await browser.logIn()
            let page = try await browser.get("/account/settings")
            #expect(page.testID("settings-language") != nil)
            #expect(page.testID("settings-currency") != nil)
            #expect(try await browser.post("/lang", form: ["language": "uk", "back": "/account/settings"]).location == "/account/settings")
            #expect(try await UserRecord.find(anna.userID, on: app.db)?.language == .uk)
            #expect(try await browser.get("/account/settings").text.contains("Мова інтерфейсу"))
            for (base, quote) in [(Currency.EUR, Currency.USD), (.USD, .EUR)] {
                try await Currencies(context: app.engine).setRate(base: base, quote: quote, rateMicros: 1_000_000, caller: .testStaff)
            }
            let changed = try await browser.post(
                "/finance/currency", form: ["currency": "USD", "key": UUID().uuidString, "back": "/account/settings"])
            #expect(changed.location == "/account/settings?notice=currency_changed")
            #expect(try await app.accountRecord(anna.accountID).currency == .USD)
            // A user who may not pay sees only the language.
            let (igor, _) = try await AccessTableTests.subUser(app, account: anna.accountID, rights: [.viewServices])
            let theirs = try await igor.get("/account/settings")
            #expect(theirs.testID("settings-language") != nil)
            #expect(theirs.testID("settings-currency") == nil)
        }
    }
}
