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
