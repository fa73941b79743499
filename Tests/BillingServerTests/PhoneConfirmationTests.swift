import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Messaging
import Testing
import Vapor
import VaporTesting

@testable import BillingServer

/// The profile's phone number confirmed by a code sent by SMS (ACC-2): through the Twilio driver
/// against a stand-in that checks requests as Twilio does, on the job queue; the development
/// channel staff read; the API twins.
@Suite("Phone confirmation by SMS")
struct PhoneConfirmationTests {
    static func withTwilio(_ body: (Application, TestClock, TwilioStandIn) async throws -> Void) async throws {
        let twilio = try await TwilioStandIn()
        do {
            let viaTwilio: (inout AppConfig) -> Void = {
                $0.twilio = (TwilioStandIn.accountSID, TwilioStandIn.authToken, TwilioStandIn.from, twilio.base)
            }
            try await TestApp.run(adjust: viaTwilio) { app, clock in try await body(app, clock, twilio) }
        } catch {
            try await twilio.shutdown()
            throw error
        }
        try await twilio.shutdown()
    }

    @Test func aNumberIsConfirmedByTheTextedCodeAndAConfirmedNumberChangesOnlyWithACodeToTheOldPhone() async throws {
        try await Self.withTwilio { app, clock, twilio in
            _ = try await app.signUpClient()
            let browser = Browser(app)
            try await browser.logIn()
            try await browser.get("/account/profile")
            let saved = try await browser.post("/account/profile/phone", form: ["number": "+380 (50) 123-45-67"])
            #expect(saved.location == "/account/profile?notice=phone_code_sent")
            // Nothing was sent inside the request: the job sends it.
            #expect(twilio.sent.isEmpty)
            try await app.runJobs()
            let first = try #require(twilio.sent.last)
            #expect(first.to == "+380501234567")
            #expect(first.from == TwilioStandIn.from)
            let code = try #require(twilio.lastCode(to: "+380501234567"))
            #expect(first.body.contains("your confirmation code is \(code). It works for 10 minutes."))
            // The code is nowhere in the database: the message keeps its placeholder, Twilio's sid.
            let stored = try #require(try await SMSMessageRecord.query(on: app.db).first())
            #expect(stored.body.contains("{{code}}") && !stored.body.contains(code))
            #expect(stored.deliveredText == nil)
            #expect(stored.providerID == first.sid)
            #expect(stored.status == .sent)

            var page = try await browser.get("/account/profile")
            #expect(page.testID("phone-number") == "+380501234567")
            #expect(page.testID("phone-status") == "Not confirmed")
            #expect(page.testID("phone-pending")?.contains("+38••••••••67") == true)

            let wrongCode = code == "000000" ? "111111" : "000000"
            let wrong = try await browser.post("/account/profile/phone/confirm", form: ["code": wrongCode])
            #expect(wrong.status == .unprocessableEntity)
            #expect(PageText.readable(wrong.text).contains("The code is wrong. Tries left: 4."))
            let right = try await browser.post("/account/profile/phone/confirm", form: ["code": code])
            #expect(right.location == "/account/profile?notice=phone_confirmed")
            page = try await browser.get("/account/profile")
            #expect(page.testID("phone-status") == "Confirmed")
            #expect(page.testIDs("phone-pending").isEmpty)
            // Single use.
            let again = try await browser.post("/account/profile/phone/confirm", form: ["code": code])
            #expect(again.status == .unprocessableEntity)
            #expect(PageText.readable(again.text).contains("There is no valid code"))

            // A change of the confirmed number: the code goes to the old phone first.
            clock.advance(by: 61)
            try await browser.get("/account/profile")
            #expect(
                try await browser.post("/account/profile/phone", form: ["number": "+48 601 234 567"]).location
                    == "/account/profile?notice=phone_code_sent")
            try await app.runJobs()
            #expect(twilio.sent.count == 2)
            #expect(twilio.sent.last?.to == "+380501234567")
            #expect(twilio.sent.last?.body.contains("allows changing or removing this confirmed number") == true)
            page = try await browser.get("/account/profile")
            #expect(page.testID("phone-number") == "+380501234567")
            #expect(page.testID("phone-status") == "Confirmed")
            #expect(page.testID("phone-pending")?.contains("+48601234567") == true)
            let release = try #require(twilio.lastCode(to: "+380501234567"))
            #expect(
                try await browser.post("/account/profile/phone/confirm", form: ["code": release]).location
                    == "/account/profile?notice=phone_code_sent")
            try await app.runJobs()
            #expect(twilio.sent.last?.to == "+48601234567")
            page = try await browser.get("/account/profile")
            #expect(page.testID("phone-number") == "+48601234567")
            #expect(page.testID("phone-status") == "Not confirmed")

            // Ten minutes later the code is dead; a new one (asked for after a minute) works.
            let stale = try #require(twilio.lastCode(to: "+48601234567"))
            clock.advance(by: 601)
            let late = try await browser.post("/account/profile/phone/confirm", form: ["code": stale])
            #expect(late.status == .unprocessableEntity)
            #expect(PageText.readable(late.text).contains("There is no valid code"))
            try await browser.get("/account/profile")
            // No code waits any more: "send a new code" has nothing to resend; setting the number again does.
            #expect(
                try await browser.post("/account/profile/phone", form: ["number": "+48601234567"]).location
                    == "/account/profile?notice=phone_code_sent")
            // At most one code a minute.
            let tooSoon = try await browser.post("/account/profile/phone/resend", form: [:])
            #expect(tooSoon.status == .tooManyRequests)
            #expect(PageText.readable(tooSoon.text).contains("Wait a minute"))
            try await app.runJobs()
            let fresh = try #require(twilio.lastCode(to: "+48601234567"))
            #expect(fresh != stale || twilio.sent.count == 4)
            #expect(
                try await browser.post("/account/profile/phone/confirm", form: ["code": fresh]).location
                    == "/account/profile?notice=phone_confirmed")
            #expect(twilio.sent.count == 4)
        }
    }

    @Test func fiveWrongCodesSpendTheCodeAndAnInvalidNumberChangesNothing() async throws {
        try await Self.withTwilio { app, _, twilio in
            let anna = try await app.signUpClient()
            let browser = Browser(app)
            try await browser.logIn()
            try await browser.get("/account/profile")
            let bad = try await browser.post("/account/profile/phone", form: ["number": "050 123 45 67"])
            #expect(bad.status == .unprocessableEntity)
            #expect(PageText.readable(bad.text).contains("Enter the number in international form"))
            #expect(try await UserRecord.find(anna.userID, on: app.db)?.phone == nil)
            try await browser.post("/account/profile/phone", form: ["number": "+380501234567"])
            try await app.runJobs()
            let code = try #require(twilio.lastCode(to: "+380501234567"))
            let wrongCode = String(code.reversed()) == code ? "123456" : String(code.reversed())
            var answers: [String] = []
            for _ in 0..<5 {
                let answer = try await browser.post(
                    "/account/profile/phone/confirm", form: ["code": wrongCode == code ? "999999" : wrongCode])
                answers.append(PageText.readable(answer.text))
            }
            #expect(answers[3].contains("Tries left: 1."))
            #expect(answers[4].contains("There is no valid code"))
            // The right code no longer works either.
            let right = try await browser.post("/account/profile/phone/confirm", form: ["code": code])
            #expect(right.status == .unprocessableEntity)
            #expect(try await UserRecord.find(anna.userID, on: app.db)?.phoneConfirmedAt == nil)
        }
    }

    @Test func twilioDownIsRetriedWithANewCodeAndRefusalsArePermanent() async throws {
        try await Self.withTwilio { app, clock, twilio in
            _ = try await app.signUpClient()
            let browser = Browser(app)
            try await browser.logIn()
            try await browser.get("/account/profile")
            twilio.failNext(1)
            try await browser.post("/account/profile/phone", form: ["number": "+380501234567"])
            try await app.runJobs()
            #expect(twilio.sent.isEmpty)
            let waiting = try #require(try await SMSMessageRecord.query(on: app.db).first())
            #expect(waiting.status == .queued)
            #expect(waiting.lastError == "Twilio refused (HTTP 503 20500): Internal Server Error")
            clock.advance(by: 16)
            try await app.runJobs()
            #expect(twilio.sent.count == 1)
            let code = try #require(twilio.lastCode(to: "+380501234567"))
            #expect(
                try await browser.post("/account/profile/phone/confirm", form: ["code": code]).location
                    == "/account/profile?notice=phone_confirmed")

            // Wrong credentials: Twilio's 401 is not retried.
            let wrongToken = TwilioSMSChannel(
                accountSID: TwilioStandIn.accountSID, authToken: "not-the-token", from: TwilioStandIn.from, apiBase: twilio.base,
                http: VaporHTTPClient(client: app.client))
            await #expect(throws: DeliveryError.self) { _ = try await wrongToken.send(SMSMessage(to: "+380501234567", text: "x")) }
            do {
                _ = try await wrongToken.send(SMSMessage(to: "+380501234567", text: "x"))
            } catch let error as DeliveryError {
                #expect(error.isPermanent)
                #expect(error.description == "Twilio refused (HTTP 401 20003): Authenticate")
            }
            twilio.failNext(1)
            do {
                _ = try await wrongToken.send(SMSMessage(to: "+380501234567", text: "x"))
            } catch let error as DeliveryError {
                #expect(!error.isPermanent)
            }
        }
    }

    @Test func theDevelopmentChannelShowsStaffTheTextsAndSupportOnlyTheEnvelope() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient()
            let browser = Browser(app)
            try await browser.logIn()
            try await browser.get("/account/profile")
            try await browser.post("/account/profile/phone", form: ["number": "+380501234567"])
            try await app.runJobs()
            let message = try #require(try await SMSMessageRecord.query(on: app.db).first())
            let delivered = try #require(message.deliveredText)
            let code = String(try #require(delivered.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 }))

            let admin = try await Browser.staff(app)
            let list = try await admin.get("/admin/sms")
            #expect(list.status == .ok)
            #expect(list.testID("sms-lead")?.contains("Development channel") == true)
            #expect(list.testID("sms-recipient") == "+38••••••••67")
            #expect(list.testID("sms-status") == "sent")
            #expect(list.testID("sms-text")?.contains("your confirmation code is \(code)") == true)
            let support = try await Browser.staff(app, role: .support)
            let seen = try await support.get("/admin/sms")
            #expect(seen.testIDs("sms-message").count == 1)
            #expect(seen.testIDs("sms-text").isEmpty)
            #expect(!seen.text.contains(String(code)))
            let accountant = try await Browser.staff(app, role: .accountant)
            #expect(try await accountant.get("/admin/sms").status == .forbidden)
            // The client's own code works.
            #expect(
                try await browser.post("/account/profile/phone/confirm", form: ["code": String(code)]).location
                    == "/account/profile?notice=phone_confirmed")
        }
    }

    @Test func theAPISetsAndConfirmsTheNumberAndFilesPrivacyRequests() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient()
            let api = try await APIClient.logIn(app)
            #expect(errorCode(try await api.send(.PUT, "/v1/me/phone", #"{"number":"12345"}"#)) == "invalid_phone")
            let set = try await api.send(.PUT, "/v1/me/phone", #"{"number":"+380 50 123 45 67"}"#)
            #expect(set.status == .accepted)
            let status = try APIClient.object(set)
            #expect(status["number"] as? String == "+380501234567")
            #expect(status["confirmed"] as? Bool == false)
            let pending = try #require(status["pending"] as? [String: Any])
            #expect(pending["purpose"] as? String == "confirm")
            #expect(pending["sent_to"] as? String == "+38••••••••67")
            #expect(pending["expires_at"] == nil)
            try await app.runJobs()
            let delivered = try #require(try await SMSMessageRecord.query(on: app.db).first()?.deliveredText)
            let code = String(try #require(delivered.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 }))
            #expect(errorCode(try await api.send(.POST, "/v1/me/phone/confirmation", #"{"code":"abc"}"#)) == "wrong_code")
            let confirmed = try await api.send(.POST, "/v1/me/phone/confirmation", #"{"code":"\#(code)"}"#)
            #expect(confirmed.status == .ok, "\(confirmed.body.string)")
            #expect(try APIClient.object(confirmed)["confirmed"] as? Bool == true)
            #expect(try await api.json(.GET, "/v1/me/phone")["confirmed"] as? Bool == true)
            // Removing a confirmed number waits for the code sent to it (and for the minute).
            #expect(try await api.send(.DELETE, "/v1/me/phone").status == .tooManyRequests)

            let filed = try await api.send(.POST, "/v1/me/privacy-requests", #"{"kind":"restrict","message":"No newsletters, please"}"#)
            #expect(filed.status == .created)
            #expect(try APIClient.object(filed)["status"] as? String == "open")
            let listed = try await api.json(.GET, "/v1/me/privacy-requests")
            #expect((listed["items"] as? [[String: Any]])?.map { $0["message"] as? String } == ["No newsletters, please"])
            #expect(try await api.send(.POST, "/v1/me/personal-data/export").status == .accepted)
            #expect(errorCode(try await api.send(.POST, "/v1/me/personal-data/export")) == "export_recently_sent")

            // The profile's name and language: the owner's name is the account's.
            #expect(errorCode(try await api.send(.PATCH, "/v1/me", #"{"name":"Anna K."}"#)) == "owner_name_fixed")
            #expect(try await api.send(.PATCH, "/v1/me", #"{"language":"uk"}"#).status == .noContent)
            let me = try await api.json(.GET, "/v1/me")
            #expect((me["user"] as? [String: Any])?["language"] as? String == "uk")
        }
    }
}
