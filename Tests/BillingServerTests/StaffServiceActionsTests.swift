import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import EngineTestSupport
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Staff stop a client's service by administrator or for abuse and start it again (ADM-1):
/// the client sees the status and cannot lift it; the backend follows through a job.
@Suite("Staff: service actions")
struct StaffServiceActionsTests {
    @Test func staffStopAServiceForAbuseAndTheClientCannotLiftIt() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let id = service.id!.uuidString.lowercased()
            let staff = try await Browser.staff(app)
            let page = try await staff.get("/admin/services/\(id)")
            #expect(PageText.testID("staff-service-actions", in: page.text) != nil)
            #expect(page.text.contains(#"action="/admin/services/\#(id)/abuse""#))
            #expect(!page.text.contains(#"action="/admin/services/\#(id)/resume""#))

            let stopped = try await staff.post("/admin/services/\(id)/abuse", form: ["reason": "Spam from 10.20.3.233, ticket 4411"])
            #expect(stopped.location == "/admin/services/\(id)?notice=staff_service_abuse")
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .stoppedForAbuse)
            let stopJob = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == .serviceStop).first())
            #expect(stopJob.status == .queued)
            try await app.runJobs()
            #expect(try await JobRecord.find(stopJob.id, on: app.db)?.status == .done)
            let after = try await staff.get("/admin/services/\(id)")
            #expect(PageText.testID("staff-service-status", in: after.text) == "Stopped for abuse")
            #expect(after.text.contains("Spam from 10.20.3.233, ticket 4411"))
            #expect(after.text.contains(#"action="/admin/services/\#(id)/resume""#))
            // Stopping it again is refused on the page; nothing changes.
            let twice = try await staff.post("/admin/services/\(id)/suspend", form: ["reason": "again"])
            #expect(twice.status == .unprocessableEntity)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .stoppedForAbuse)

            // The client sees the status and has no button that lifts it; the route refuses.
            let browser = Browser(app)
            try await browser.logIn()
            let clientPage = try await browser.get("/services/\(id)")
            #expect(PageText.testID("service-status", in: clientPage.text) == "Stopped for abuse")
            #expect(!clientPage.text.contains(#"action="/services/\#(id)/start""#))
            #expect(try await browser.post("/services/\(id)/start", form: [:]).status == .unprocessableEntity)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .stoppedForAbuse)

            // Support may look but not act.
            let support = try await Browser.staff(app, role: .support)
            #expect(PageText.testID("staff-service-actions", in: try await support.get("/admin/services/\(id)").text) == nil)
            #expect(try await support.post("/admin/services/\(id)/resume", form: [:]).status == .forbidden)

            let resumed = try await staff.post("/admin/services/\(id)/resume", form: ["reason": ""])
            #expect(resumed.location == "/admin/services/\(id)?notice=staff_service_resume")
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)
            try await app.runJobs()
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == .serviceStart).first()?.status == .done)
            let audit = try await staff.get("/admin/audit")
            #expect(audit.text.contains("Stopped a service for abuse"))
            #expect(audit.text.contains("Started a stopped service again"))
            #expect(try await staff.post("/admin/services/\(UUID().uuidString.lowercased())/suspend", form: [:]).status == .notFound)
        }
    }

    /// A service that was Not available opens again when staff ask (capacity was added).
    @Test func staffOpenAgainAServiceThatWasNotAvailable() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            service.status = .unavailable
            service.ipAddress = nil
            try await service.update(on: app.db)
            let id = service.id!.uuidString.lowercased()
            let staff = try await Browser.staff(app)
            let page = try await staff.get("/admin/services/\(id)")
            #expect(page.text.contains(#"action="/admin/services/\#(id)/retry""#))
            #expect(!page.text.contains(#"action="/admin/services/\#(id)/abuse""#))
            let retried = try await staff.post("/admin/services/\(id)/retry", form: ["reason": ""])
            #expect(retried.location == "/admin/services/\(id)?notice=staff_service_retry")
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .processing)
            try await app.runJobs()
            let opened = try #require(try await ServiceRecord.find(service.id!, on: app.db))
            #expect(opened.status == .active)
            #expect(opened.ipAddress != nil)
            // Twice is refused: it is no longer Not available.
            let twice = try await staff.post("/admin/services/\(id)/retry", form: ["reason": ""])
            #expect(twice.status == .unprocessableEntity)
            #expect(try await staff.get("/admin/audit").text.contains("Tried opening a service again"))
        }
    }

    /// Staff run the module's operations on a client's server (ADM-1): reboot, reinstall with one
    /// of the plan's systems, delete; each through Processing and a job, with the reason in the
    /// history and the audit log; an unknown system or a service in the wrong state changes nothing.
    @Test func staffRebootReinstallAndDeleteAClientsServer() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            try await app.runJobs()
            let id = service.id!.uuidString.lowercased()
            func fresh() async throws -> ServiceRecord { try #require(try await ServiceRecord.find(service.id!, on: app.db)) }
            #expect(try await fresh().status == .active)
            #expect(try await fresh().osImage == "Debian 12")
            let staff = try await Browser.staff(app)
            let page = try await staff.get("/admin/services/\(id)")
            for action in ["suspend", "abuse", "reboot", "reinstall", "delete"] {
                #expect(PageText.testID("staff-action-" + action, in: page.text) != nil, "\(action)")
            }
            #expect(PageText.testID("staff-action-resume", in: page.text) == nil)
            #expect(page.text.contains(#"<option value="Ubuntu 24.04">Ubuntu 24.04</option>"#))

            let rebooted = try await staff.post("/admin/services/\(id)/reboot", form: ["reason": "Hung, client called (ticket 5120)"])
            #expect(rebooted.location == "/admin/services/\(id)?notice=staff_service_reboot")
            #expect(try await fresh().status == .processing)
            #expect(try await fresh().operation == .reboot)
            // While it is processed nothing else is offered, and a second click is refused.
            #expect(try await staff.post("/admin/services/\(id)/reboot", form: ["reason": ""]).status == .unprocessableEntity)
            try await app.runJobs()
            #expect(try await fresh().status == .active)
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == .serviceReboot).first()?.status == .done)

            // A system the plan does not offer is refused with the client's own message.
            let unknown = try await staff.post("/admin/services/\(id)/reinstall", form: ["os": "Windows 95", "reason": "asked"])
            #expect(unknown.status == .unprocessableEntity)
            #expect(unknown.text.contains("Choose one of the operating systems of the server's plan."))
            #expect(try await fresh().status == .active)
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind == .serviceReinstall).count() == 0)
            let reinstalled = try await staff.post(
                "/admin/services/\(id)/reinstall", form: ["os": "Ubuntu 24.04", "reason": "asked by phone"])
            #expect(reinstalled.location == "/admin/services/\(id)?notice=staff_service_reinstall")
            #expect(try await fresh().operation == .reinstall)
            try await app.runJobs()
            #expect(try await fresh().status == .active)
            #expect(try await fresh().osImage == "Ubuntu 24.04")
            let history = try await staff.get("/admin/services/\(id)")
            #expect(history.text.contains("Hung, client called (ticket 5120)"))
            #expect(history.text.contains("Ubuntu 24.04 · asked by phone"))

            // Support may look but not run anything.
            let support = try await Browser.staff(app, role: .support)
            #expect(try await support.post("/admin/services/\(id)/delete", form: ["reason": "x"]).status == .forbidden)
            #expect(try await fresh().status == .active)

            let deleted = try await staff.post("/admin/services/\(id)/delete", form: ["reason": "Fraud, chargeback 88"])
            #expect(deleted.location == "/admin/services/\(id)?notice=staff_service_delete")
            try await app.runJobs()
            #expect(try await fresh().status == .deleted)
            // A deleted service offers nothing more.
            #expect(PageText.testID("staff-service-actions", in: try await staff.get("/admin/services/\(id)").text) == nil)
            #expect(try await staff.post("/admin/services/\(id)/reboot", form: ["reason": ""]).status == .unprocessableEntity)
            let audit = try await staff.get("/admin/audit")
            for line in ["Rebooted a client's server", "Reinstalled a client's server", "Deleted a client's service"] {
                #expect(audit.text.contains(line), "\(line)")
            }
        }
    }

    /// The staff API's twin: the service with what staff may do, the same actions and refusals.
    @Test func theStaffAPIRunsTheSameActions() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            try await app.runJobs()
            let path = "/v1/staff/services/\(service.id!.uuidString.lowercased())"
            let admin = try await StaffPaymentAPITests.staffToken(app, role: .administrator)
            // The list, as /admin/services filters it.
            let list = try await admin.json(.GET, "/v1/staff/services")
            #expect(list["total"] as? Int == 1)
            let row = try #require((list["items"] as? [[String: Any]])?.first)
            #expect((row["service"] as? [String: Any])?["number"] as? Int == service.number)
            #expect(row["client_name"] as? String == "Anna Client")
            #expect(row["status"] as? String == "active")
            #expect(row["product_type"] as? String == "vps")
            #expect(row["expires_on"] as? String == service.expiresOn)
            #expect(try await admin.json(.GET, "/v1/staff/services?type=domain")["total"] as? Int == 0)
            #expect(try await admin.json(.GET, "/v1/staff/services?status=deleted")["total"] as? Int == 0)
            #expect(try await admin.json(.GET, "/v1/staff/services?q=%23\(service.number)")["total"] as? Int == 1)
            #expect(try await admin.json(.GET, "/v1/staff/services?module=nonexistent")["total"] as? Int == 1)
            #expect(try await admin.send(.GET, "/v1/staff/services?status=lost").status == .badRequest)
            let shown = try await admin.json(.GET, path)
            #expect(shown["status"] as? String == "active")
            #expect(shown["account_id"] as? String == client.accountID.uuidString.lowercased())
            #expect(shown["actions"] as? [String] == ["suspend", "abuse", "reboot", "reinstall", "delete"])
            #expect(shown["systems"] as? [String] == ["Debian 12", "Ubuntu 24.04"])

            let stopped = try await admin.send(.POST, path + "/actions", #"{"action":"abuse","reason":"Spam, ticket 4411"}"#)
            #expect(stopped.status == .accepted)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .stoppedForAbuse)
            // What is not offered now is refused, and changes nothing.
            let refused = try await admin.send(.POST, path + "/actions", #"{"action":"reboot"}"#)
            #expect(refused.status == .unprocessableEntity)
            #expect(try await admin.send(.POST, path + "/actions", #"{"action":"explode"}"#).status == .badRequest)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .stoppedForAbuse)
            #expect(try await admin.json(.GET, path)["actions"] as? [String] == ["resume", "delete"])
            #expect(try await admin.send(.GET, "/v1/staff/services/\(UUID().uuidString.lowercased())").status == .notFound)

            // Support reads but does not act.
            let support = try await StaffPaymentAPITests.staffToken(app, role: .support)
            #expect(try await support.send(.GET, path).status == .ok)
            #expect(try await support.send(.GET, "/v1/staff/services").status == .ok)
            #expect(try await support.send(.POST, path + "/actions", #"{"action":"resume"}"#).status == .forbidden)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .stoppedForAbuse)
        }
    }

    /// `/admin/services`: every client's services, filtered by status, type, module and search.
    @Test func staffFindServicesAcrossClients() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let anna = try await app.signUpClient(email: "anna@example.com", country: "DE", currency: .EUR)
            try await app.topUp(anna.accountID, Money.eur("50.00"), key: "a")
            let bob = try await app.signUpClient(email: "bob@example.com", country: "DE", currency: .EUR)
            try await app.topUp(bob.accountID, Money.eur("50.00"), key: "b")
            let first = try await app.orderPaid(catalog.monthly, domain: "web1", for: anna.accountID)
            let second = try await app.orderPaid(catalog.monthly, domain: "shop2", for: bob.accountID)
            second.status = .unavailable
            try await second.update(on: app.db)
            let support = try await Browser.staff(app, role: .support)
            let all = try await support.get("/admin/services")
            #expect(all.status == .ok)
            #expect(PageText.testID("staff-services-count", in: all.text) == "Services: 2")
            #expect(all.text.components(separatedBy: #"data-testid="staff-service-row""#).count == 3)
            #expect(all.text.contains(#"href="/admin/services/\#(first.id!.uuidString.lowercased())""#))
            #expect(all.text.contains(#"href="/admin/clients/\#(bob.accountID.uuidString.lowercased())""#))

            let waiting = try await support.get("/admin/services?status=unavailable")
            #expect(PageText.testID("staff-services-count", in: waiting.text) == "Services: 1")
            #expect(waiting.text.contains("shop2"))
            #expect(!waiting.text.contains("web1"))
            let found = try await support.get("/admin/services?q=%23\(first.number)")
            #expect(found.text.contains("web1"))
            #expect(!found.text.contains("shop2"))
            let simulated = try await support.get("/admin/services?module=simulated")
            #expect(simulated.text.components(separatedBy: #"data-testid="staff-service-row""#).count == 3)
            let noDomains = try await support.get("/admin/services?type=domain")
            #expect(noDomains.text.components(separatedBy: #"data-testid="staff-service-row""#).count == 1)
            // A module this installation does not have filters nothing out, and nothing breaks.
            #expect(try await support.get("/admin/services?module=%27%20OR%201%3D1").status == .ok)
            // Clients never see it.
            let browser = Browser(app)
            try await browser.logIn("anna@example.com")
            #expect(try await browser.get("/admin/services").status != .ok)
        }
    }
}
