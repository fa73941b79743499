import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import BillingServer

/// Staff roles as sets of rights the provider edits (ADM-1): a change reaches the role's members
/// on their next page and their API tokens; the administrator's set is fixed; nobody gives a
/// right they lack.
@Suite("Editable staff roles")
struct StaffRolesTests {
    @Test func anAdministratorGivesSupportTheCatalogAndTakesTheOutboxAway() async throws {
        try await TestApp.run { app, _ in
            let admin = try await Browser.staff(app)
            let support = try await Browser.staff(app, role: .support)
            let token = try await Browser(app).send(
                .POST, "/api/v1/staff/auth/tokens", body: #"{"email":"support@provider.example","password":"staff password 1"}"#,
                contentType: "application/json")
            let supportAPI = APIClient(app: app, token: try #require(try APIClient.object(token)["token"] as? String))
            #expect(try await support.get("/admin/catalog").status == .forbidden)
            #expect(try await supportAPI.send(.GET, "/v1/staff/jobs").status == .forbidden)

            var page = try await admin.get("/admin/staff")
            #expect(page.text.contains(#"name="right.outbox.view" value="on" checked"#))
            #expect(!page.text.contains(#"name="right.catalog.manage" value="on" checked"#))
            let saved = try await admin.post(
                "/admin/staff/roles/support",
                form: ["right.clients.view": "on", "right.services.view": "on", "right.catalog.manage": "on", "right.jobs.manage": "on"])
            #expect(saved.location == "/admin/staff?notice=role_saved")

            // Support's open session has the new set on its next page; so does its API token.
            #expect(try await support.get("/admin/catalog").status == .ok)
            #expect(try await support.get("/admin/outbox").status == .forbidden)
            let menu = try await support.get("/admin")
            #expect(menu.text.contains(#"href="/admin/catalog""#))
            #expect(!menu.text.contains(#"href="/admin/outbox""#))
            #expect(try await supportAPI.send(.GET, "/v1/staff/jobs").status == .ok)
            page = try await admin.get("/admin/staff")
            #expect(page.text.contains(#"name="right.catalog.manage" value="on" checked"#))

            // The administrator's set is every right, always.
            let fixed = try await admin.post("/admin/staff/roles/administrator", form: ["right.clients.view": "on"])
            #expect(fixed.status == .forbidden)
            #expect(PageText.readable(fixed.text).contains("The administrator always has every right"))
            #expect(try await admin.get("/admin/catalog").status == .ok)

            // Restoring the built-in set.
            try await admin.get("/admin/staff")
            try await admin.post("/admin/staff/roles/support", form: ["reset": "on"])
            #expect(try await support.get("/admin/catalog").status == .forbidden)
            #expect(try await support.get("/admin/outbox").status == .ok)
            #expect(
                try await admin.get("/admin/audit").testIDs("audit-action").prefix(2) == [
                    "Changed a role's rights", "Changed a role's rights"
                ])
        }
    }

    @Test func aRoleThatManagesStaffCannotGiveWhatItLacks() async throws {
        try await TestApp.run { app, _ in
            let admin = try await Browser.staff(app)
            try await admin.get("/admin/staff")
            try await admin.post("/admin/staff/roles/support", form: ["right.clients.view": "on", "right.staff.manage": "on"])
            let support = try await Browser.staff(app, role: .support)
            let page = try await support.get("/admin/staff")
            #expect(page.status == .ok)
            let refused = try await support.post("/admin/staff/roles/accountant", form: ["right.payments.manage": "on"])
            #expect(refused.status == .forbidden)
            #expect(PageText.readable(refused.text).contains("You cannot give a right you do not have"))
            let accountant = try await Browser.staff(app, role: .accountant)
            #expect(try await accountant.get("/admin/payments").status == .ok)
            // Nor widen the administrator's.
            #expect(try await support.post("/admin/staff/roles/administrator", form: [:]).status == .forbidden)
        }
    }
}

/// A member of staff invited by e-mail chooses their own password (ADM-1).
@Suite("Staff invitations")
struct StaffInvitationTests {
    @Test func anInvitedMemberChoosesTheirPasswordOnceAndLogsIn() async throws {
        try await TestApp.run { app, clock in
            let admin = try await Browser.staff(app)
            try await admin.get("/admin/staff")
            let invited = try await admin.post(
                "/admin/staff/new", form: ["email": "Mila@Provider.example", "name": "Mila Books", "role": "accountant", "password": ""])
            #expect(invited.location == "/admin/staff?notice=member_invited")
            let token = try #require(try await app.mailedTokens(to: "mila@provider.example", path: "/admin/invite/").first)
            #expect(app.sentMail.last?.subject == "You are invited to the Demo Hosting staff area")
            // Nothing the administrator typed lets anyone in.
            let guess = Browser(app)
            try await guess.get("/admin/login")
            #expect(try await guess.post("/admin/login", form: ["email": "mila@provider.example", "password": ""]).location != "/admin")

            let mila = Browser(app)
            #expect(try await mila.get("/admin/invite/\(token)").testIDs("invitation-form").count == 1)
            let weak = try await mila.post("/admin/invite/\(token)", form: ["password": "short"])
            #expect(weak.status == .unprocessableEntity)
            let set = try await mila.post("/admin/invite/\(token)", form: ["password": "mila's own long password"])
            #expect(set.location == "/admin/login?notice=staff_password_set")
            #expect(try await mila.post("/admin/invite/\(token)", form: ["password": "another long password"]).status == .gone)
            try await mila.get("/admin/login")
            #expect(
                try await mila.post("/admin/login", form: ["email": "mila@provider.example", "password": "mila's own long password"])
                    .location
                    == "/admin")
            #expect(try await mila.get("/admin/payments").status == .ok)

            // A second invitation's link expires after 72 hours.
            try await admin.get("/admin/staff")
            try await admin.post("/admin/staff/new", form: ["email": "late@provider.example", "name": "Late", "role": "support"])
            let late = try #require(try await app.mailedTokens(to: "late@provider.example", path: "/admin/invite/").first)
            clock.advance(by: 72 * 3600 + 1)
            #expect(try await Browser(app).get("/admin/invite/\(late)").status == .gone)
        }
    }
}
