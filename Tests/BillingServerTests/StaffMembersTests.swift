import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import Fluent
import FluentSQL
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import BillingServer

/// The staff page (ADM-1's staff side): members added, their role and access changed, the last
/// administrator kept, and the two-step login a provider may require of every member.
@Suite("Staff members and their two-step login")
struct StaffMembersTests {
    @Test func anAdministratorAddsAndChangesMembersButNotThemselvesNorTheLastAdministrator() async throws {
        try await TestApp.run { app, _ in
            let admin = try await Browser.staff(app, role: .administrator)
            try await admin.get("/admin/staff")
            let added = try await admin.post(
                "/admin/staff/new",
                form: ["email": "Mila@Provider.example", "name": "Mila Support", "role": "support", "password": "mila's first password"])
            #expect(added.location == "/admin/staff?notice=member_added")
            let weak = try await admin.post(
                "/admin/staff/new", form: ["email": "x@provider.example", "name": "X", "role": "support", "password": "short"])
            #expect(weak.status == .unprocessableEntity)
            let mila = try #require(try await StaffUserRecord.query(on: app.db).filter(\.$email == "mila@provider.example").first())
            #expect(mila.role == .support)
            let page = try await admin.get("/admin/staff")
            #expect(page.testIDs("staff-member").count == 2)
            #expect(page.testIDs("member-form").count == 1) // not for the administrator's own row

            // Mila becomes an accountant, then is disabled: her session ends.
            let milaBrowser = Browser(app)
            try await milaBrowser.get("/admin/login")
            #expect(
                try await milaBrowser.post("/admin/login", form: ["email": "mila@provider.example", "password": "mila's first password"])
                    .location == "/admin")
            let path = "/admin/staff/\(mila.id!.uuidString.lowercased())"
            #expect(
                try await admin.post(path, form: ["role": "accountant", "enabled": "on"]).location == "/admin/staff?notice=member_saved")
            #expect(try await StaffUserRecord.find(mila.id, on: app.db)?.role == .accountant)
            try await admin.get("/admin/staff")
            try await admin.post(path, form: ["role": "accountant"])
            #expect(try await milaBrowser.get("/admin/payments").location == "/admin/login")

            // The administrator's own row, and the last administrator, stay.
            let me = try #require(try await StaffUserRecord.query(on: app.db).filter(\.$role == .administrator).first())
            try await admin.get("/admin/staff")
            let own = try await admin.post("/admin/staff/\(me.id!.uuidString.lowercased())", form: ["role": "support", "enabled": "on"])
            #expect(own.status == .conflict)
            #expect(own.text.contains("You cannot change your own role or access."))
            try await StaffAccounts(context: app.engine).create(
                email: "second@provider.example", name: "Second Admin", password: "second admin password", role: .administrator)
            let second = try #require(try await StaffUserRecord.query(on: app.db).filter(\.$email == "second@provider.example").first())
            let secondCaller = Caller.staff(second.id!, role: .administrator)
            try await StaffAccounts(context: app.engine).change(me.id!, role: .administrator, enabled: false, caller: secondCaller)
            await #expect(throws: StaffAccountError.lastAdministrator) {
                try await StaffAccounts(context: app.engine).change(
                    second.id!, role: .support, enabled: true, caller: Caller.staff(me.id!, role: .administrator))
            }
            // Support may not open the page at all.
            let support = try await Browser.staff(app, role: .support)
            #expect(
                try await support.post(
                    "/admin/staff/new",
                    form: ["email": "y@provider.example", "name": "Y", "role": "administrator", "password": "sneaky password 1"]
                ).status == .forbidden)
        }
    }

    @Test func whenRequiredAMemberEnrolsBeforeWorkingAndThenLogsInWithACode() async throws {
        try await TestApp.run { app, clock in
            let admin = try await Browser.staff(app, role: .administrator)
            let support = try await Browser.staff(app, role: .support)
            try await admin.get("/admin/staff")
            #expect(
                try await admin.post("/admin/staff/settings", form: ["two_factor_required": "on"]).location
                    == "/admin/staff?notice=two_factor_now_required")
            // Every staff page sends a member without it to enrol; the security page opens.
            #expect(try await support.get("/admin").location == "/admin/security?notice=two_factor_required")
            let security = try await support.get("/admin/security")
            #expect(security.status == .ok)
            #expect(security.text.contains("The provider requires the two-step login for every member of staff"))
            try await support.post("/admin/security/two-factor-start", form: [:])
            let enrolling = try await support.get("/admin/security")
            let key = try #require(enrolling.testID("totp-secret"))
            let secret = try #require(Base32.decode(key))
            func code() -> String { TOTP.code(secret: secret, step: TOTP.step(at: clock.now)) }
            let confirmed = try await support.post("/admin/security/two-factor-confirm", form: ["code": code()])
            #expect(confirmed.testIDs("recovery-code").count == 10)
            #expect(confirmed.testID("form-two-factor-disable") == nil) // required: no turning off
            #expect(try await support.get("/admin").status == .ok)

            // The next login asks for the code; the API token too.
            try await support.post("/admin/logout", form: [:])
            let again = Browser(app)
            try await again.get("/admin/login")
            #expect(
                try await again.post("/admin/login", form: ["email": "support@provider.example", "password": "staff password 1"]).location
                    == "/admin/login/code")
            clock.advance(by: 30)
            #expect(try await again.post("/admin/login/code", form: ["code": code()]).location == "/admin")
            let bare = try await Browser(app).send(
                .POST, "/api/v1/staff/auth/tokens", body: #"{"email":"support@provider.example","password":"staff password 1"}"#,
                contentType: "application/json")
            #expect(errorCode(bare) == "code_required")

            // The administrator (without a second factor yet) is sent to enrol too; with the
            // requirement lifted, they reset the member's lost phone.
            #expect(try await admin.get("/admin/staff").location == "/admin/security?notice=two_factor_required")
            let supportID = try #require(
                try await StaffUserRecord.query(on: app.db).filter(\.$email == "support@provider.example").first()?.id)
            try await StaffAccounts(context: app.engine).setTwoFactorRequired(false, caller: .provider(job: "test"))
            let page = try await admin.get("/admin/staff")
            #expect(page.testIDs("staff-member-two-factor").sorted() == ["Off", "On Reset"])
            #expect(page.testIDs("reset-two-factor").count == 1)
            #expect(
                try await admin.post("/admin/staff/\(supportID.uuidString.lowercased())/reset-two-factor", form: [:]).location
                    == "/admin/staff?notice=member_two_factor_reset")
            #expect(try await TwoFactor(context: app.engine).isEnabled(realm: .staff, principalID: supportID) == false)
        }
    }

    /// Every staff change lands in the audit log with who, where and what (never a secret); a
    /// refused form does not; the log cannot be edited or deleted, even in SQL.
    @Test func theAuditLogKeepsEveryChangeAndNothingElse() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            let admin = try await Browser.staff(app, role: .administrator)
            let card = "/admin/clients/\(anna.accountID.uuidString.lowercased())"
            try await admin.get(card)
            #expect(
                try await admin.post(card + "/adjust", form: ["amount": "25.00", "reason": "Goodwill", "key": "k1"]).location
                    == card + "?notice=adjusted")
            try await admin.get(card)
            #expect(
                try await admin.post(card + "/adjust", form: ["amount": "abc", "reason": "Typo", "key": "k2"]).status
                    == .unprocessableEntity)
            try await admin.get(card)
            try await admin.post(card + "/code-word", form: ["word": "secret horse"])
            try await admin.get("/admin/staff")
            try await admin.post(
                "/admin/staff/new",
                form: ["email": "z@provider.example", "name": "Zoe", "role": "support", "password": "zoe's first password"])

            let log = try await admin.get("/admin/audit")
            #expect(log.testIDs("audit-action") == ["Member of staff added", "Code word checked", "Balance corrected"])
            let details = log.testIDs("audit-details")
            #expect(details[2].contains("amount=25.00") && details[2].contains("reason=Goodwill"))
            #expect(details[2].contains("accountID=\(anna.accountID.uuidString.lowercased())"))
            #expect(!log.text.contains("secret horse") && !log.text.contains("zoe's first password"))
            #expect(try await admin.get("/admin/audit?q=goodwill").testIDs("audit-event").count == 1)
            #expect(try await admin.get("/admin/audit?q=nothing-like-this").testIDs("audit-event").isEmpty)
            // Support may not read it.
            #expect(try await Browser.staff(app, role: .support).get("/admin/audit").status == .forbidden)

            await #expect(throws: (any Error).self) { try await app.db.sql.raw("UPDATE audit_events SET staff_name = 'nobody'").run() }
            await #expect(throws: (any Error).self) { try await app.db.sql.raw("DELETE FROM audit_events").run() }
            #expect(try await AuditEventRecord.query(on: app.db).count() == 3)
        }
    }

    /// A client asks to erase their data; the request waits in the staff queue and its answer
    /// shows on the client's profile; a second open request of the kind is refused.
    @Test func personalDataRequestsGoThroughTheStaffQueue() async throws {
        try await TestApp.run { app, _ in
            _ = try await app.signUpClient()
            let anna = Browser(app)
            try await anna.logIn()
            try await anna.get("/account/profile")
            #expect(
                try await anna.post("/account/profile/privacy/erase", form: ["message": "Closing the company"]).location
                    == "/account/profile?notice=privacy_requested")
            try await anna.get("/account/profile")
            #expect(try await anna.post("/account/profile/privacy/erase", form: [:]).status == .conflict)
            #expect(try await anna.get("/account/profile").testIDs("privacy-status") == ["Waiting"])

            let admin = try await Browser.staff(app, role: .administrator)
            let queue = try await admin.get("/admin/privacy")
            #expect(queue.testIDs("privacy-row").count == 1)
            #expect(queue.text.contains("Closing the company"))
            let request = try #require(try await PrivacyRequestRecord.query(on: app.db).first())
            #expect(
                try await admin.post(
                    "/admin/privacy/\(request.id!.uuidString.lowercased())", form: ["status": "done", "answer": "Erased on 2026-01-15"]
                ).location
                    == "/admin/privacy?notice=privacy_handled")
            let profile = try await anna.get("/account/profile")
            #expect(profile.testIDs("privacy-status") == ["Done"])
            #expect(profile.text.contains("Erased on 2026-01-15"))
            #expect(try await admin.get("/admin/audit").testIDs("audit-action").first == "Personal-data request closed")
            #expect(try await Browser.staff(app, role: .support).get("/admin/privacy").status == .forbidden)
        }
    }
}
