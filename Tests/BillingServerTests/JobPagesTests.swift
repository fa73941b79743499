import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Provisioning
import ProvisioningTestSupport
import Testing
import Vapor

@Suite("Jobs on the pages: Processing for the client, the queue for staff")
struct JobPagesTests {
    /// A paid VPS whose opening failed for good with `error`; the module opens it when retried.
    static func failedOpening(_ app: Application, error: String, thenAddress address: String) async throws -> (
        EngineContext, AccountRegistration.Registered, ServiceRecord
    ) {
        let module = StandInModule(name: "simulated")
        module.expect(.open, .failed(error, permanent: true))
        module.expect(.open, .done(ipAddress: address))
        let context = app.engine.replacingModules(ProcessingModules([module]))
        let catalog = try await CatalogFixture.make(app)
        let client = try await app.signUpClient(country: "DE", currency: .EUR)
        try await app.topUp(client.accountID, Money.eur("14.00"), key: "t")
        let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID, through: context)
        #expect(try await context.runJobs().failed == 1)
        return (context, client, service)
    }

    @Test func aClientsStopShowsProcessingUntilTheModuleAnswers() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("14.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let browser = Browser(app)
            try await browser.logIn()
            let path = "/services/\(service.id!.uuidString.lowercased())"
            #expect(try await browser.get(path).testID("service-status") == "Active")
            let stopped = try await browser.post(path + "/stop", form: [:])
            #expect(stopped.location == path + "?notice=service_stopped")
            let waiting = try await browser.get(path)
            #expect(waiting.testID("service-status") == "Processing")
            #expect(waiting.text.contains(#"<span class="muted"> · switching off</span>"#))
            // No stop or start while the module works on it.
            #expect(!waiting.text.contains(path + "/stop\""))
            #expect(!waiting.text.contains(path + "/start\""))
            #expect(try await app.runJobs().done == 1)
            let after = try await browser.get(path)
            #expect(after.testID("service-status") == "Stopped by client")
            #expect(after.text.contains(path + "/start\""))
        }
    }

    /// Issue 19's "done means": a permanent failure shows on the service for staff, with its
    /// error and, for those who manage the queue, Retry; the client card lists the service.
    @Test func aPermanentFailureShowsOnTheServiceForStaffWithRetry() async throws {
        try await TestApp.run { app, _ in
            let (context, client, service) = try await Self.failedOpening(
                app, error: "image debian-13 not found", thenAddress: "203.0.113.7")
            let path = "/admin/services/\(service.id!.uuidString.lowercased())"

            let support = try await Browser.staff(app, role: .support)
            let card = try await support.get("/admin/clients/\(client.accountID.uuidString.lowercased())")
            #expect(card.testIDs("staff-client-service").count == 1)
            #expect(card.text.contains(#"href="\#(path)""#))
            let seen = try await support.get(path)
            #expect(seen.status == .ok)
            #expect(seen.testID("staff-service-status") == "Processing · opening")
            #expect(seen.testID("job-error") == "image debian-13 not found")
            #expect(seen.testID("job-attempts") == "1 / 8")
            // The module's text is in the staff's history too; support may not retry.
            #expect(seen.text.contains("image debian-13 not found"))
            #expect(seen.testIDs("job-retry").isEmpty)
            let admin = try await Browser.staff(app, role: .administrator)
            let page = try await admin.get(path)
            #expect(page.testIDs("job-retry").count == 1)
            let job = try #require(try await JobRecord.query(on: app.db).filter(\.$serviceID == service.id!).first())
            #expect(try await admin.post("/admin/jobs/\(job.id!.uuidString.lowercased())/retry", form: [:]).status == .seeOther)
            #expect(try await context.runJobs().done == 1)
            let after = try await admin.get(path)
            #expect(after.testID("staff-service-status") == "Active")
            #expect(after.testID("staff-service-ip") == "203.0.113.7")
            // Accountants see services; someone without the right does not reach the page.
            #expect(try await Browser.staff(app, role: .accountant).get(path).status == .ok)
            #expect(try await Browser(app).get(path).location == "/admin/login")
        }
    }

    /// The API twin of /admin/jobs: the same jobs, counts, retry and refusals, for administrators.
    @Test func theStaffAPIListsFailedJobsAndRetriesThem() async throws {
        try await TestApp.run { app, _ in
            let (context, _, service) = try await Self.failedOpening(
                app, error: "hypervisor kvm-3: storage pool full", thenAddress: "203.0.113.8")

            let admin = try await StaffPaymentAPITests.staffToken(app, role: .administrator)
            let list = try await admin.json(.GET, "/v1/staff/jobs")
            let items = try #require(list["items"] as? [[String: Any]])
            #expect(items.count == 1)
            let job = try #require(items.first)
            #expect(job["kind"] as? String == "service.open")
            #expect(job["status"] as? String == "failed")
            #expect(job["attempts"] as? Int == 1)
            #expect(job["max_attempts"] as? Int == 8)
            #expect(job["last_error"] as? String == "hypervisor kvm-3: storage pool full")
            #expect(job["service_id"] as? String == service.id!.uuidString.lowercased())
            let open = try #require((list["counts"] as? [[String: Any]])?.first { $0["kind"] as? String == "service.open" })
            #expect(open["failed"] as? Int == 1)
            let id = try #require(job["id"] as? String)
            // Cancel only what waits or failed; retry what failed or was cancelled.
            let retried = try await admin.json(.POST, "/v1/staff/jobs/\(id)/retry")
            #expect(retried["status"] as? String == "queued")
            #expect(retried["attempts"] as? Int == 0)
            #expect(try await admin.send(.POST, "/v1/staff/jobs/\(id)/retry").status == .conflict)
            #expect(try await admin.send(.POST, "/v1/staff/jobs/\(UUID().uuidString)/retry").status == .notFound)
            #expect(try await context.runJobs().done == 1)
            let done = try await admin.json(.GET, "/v1/staff/jobs?service_id=\(service.id!.uuidString.lowercased())")
            #expect((done["items"] as? [[String: Any]])?.map { $0["status"] as? String } == ["done"])
            // Support and accountants do not manage the queue; clients' tokens are not staff tokens.
            let support = try await StaffPaymentAPITests.staffToken(app, role: .support)
            #expect(try await support.send(.GET, "/v1/staff/jobs").status == .forbidden)
            #expect(try await support.send(.POST, "/v1/staff/jobs/\(id)/cancel").status == .forbidden)
            #expect(try await APIClient.logIn(app).send(.GET, "/v1/staff/jobs").status == .unauthorized)
        }
    }

    @Test func thePageOffersOnlyWhatTheServicesModuleCanDoAndTheEngineRefusesTheRest() async throws {
        try await TestApp.run { app, _ in
            // A licence module opens and deletes, but has no power switch.
            let module = StandInModule(name: "licences", supports: [.open, .delete])
            module.expect(.open, .done)
            let context = app.engine.replacingModules(ProcessingModules([SimulatedProcessingModule(), module]))
            let catalog = try await CatalogFixture.make(app)
            let plan = try #require(try await PlanRecord.find(catalog.monthly, on: app.db))
            plan.processingModule = "licences"
            try await plan.update(on: app.db)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("14.00"), key: "t")
            let account = try await app.account(client.accountID)
            _ = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID, through: context)
            // The opening and the "order paid" e-mail.
            #expect(try await context.runJobs().done == 2)
            let service = try #require(try await ServiceRecord.query(on: app.db).first())
            #expect(service.status == .active)
            #expect(module.log == ["open #1001"])
            let value = try await ServiceLifecycle(context: context).service(service.id!, caller: .testClient(account))
            let actions = try await ServiceLifecycle(context: context).actions(for: value)
            #expect(actions == [.extend, .autoRenew, .changePeriod, .changeResources, .delete])
            await #expect(throws: ServiceActionError.notAllowed(status: .active)) {
                try await ServiceLifecycle(context: context).stop(serviceID: service.id!, caller: .testClient(account))
            }
            #expect(try await JobRecord.query(on: app.db).filter(\.$kind != .mailSend).count() == 1)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)
            // The page reads the same list. The server's own registry has no module named
            // "licences" (only the test's context has), so it offers nothing a module must do.
            let browser = Browser(app)
            try await browser.logIn()
            let path = "/services/\(service.id!.uuidString.lowercased())"
            let page = try await browser.get(path)
            #expect(page.testID("service-status") == "Active")
            #expect(!page.text.contains(path + "/stop\""))
            #expect(!page.text.contains(path + "/delete\""))
            #expect(page.text.contains(path + "/extend\""))
        }
    }

    @Test func aFailedOpeningShowsOnTheJobsPageForAdministratorsWhoRetryIt() async throws {
        try await TestApp.run { app, _ in
            let module = StandInModule()
            module.expect(.open, .failed("hypervisor kvm-3: storage pool full", permanent: true))
            let context = app.engine.replacingModules(ProcessingModules([module]))
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("14.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID, through: context)
            #expect(try await context.runJobs().failed == 1)

            // The client sees the service waiting, and not the backend's words.
            let clientBrowser = Browser(app)
            try await clientBrowser.logIn()
            let servicePage = try await clientBrowser.get("/services/\(service.id!.uuidString.lowercased())")
            #expect(servicePage.testID("service-status") == "Processing")
            #expect(!servicePage.text.contains("storage pool"))

            let admin = try await Browser.staff(app)
            let page = try await admin.get("/admin/jobs")
            #expect(page.status == .ok)
            #expect(page.testIDs("job-status") == ["Failed"])
            #expect(page.testIDs("job-error") == ["hypervisor kvm-3: storage pool full"])
            #expect(page.testIDs("job-attempts") == ["1 / 8"])
            #expect(page.text.contains(#"data-testid="job-count-service.open""#))
            let job = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == .serviceOpen).first())
            let retried = try await admin.post("/admin/jobs/\(job.id!.uuidString.lowercased())/retry", form: [:])
            #expect(retried.location == "/admin/jobs?notice=job_retried")
            // Retrying twice is refused with a reason and changes nothing.
            _ = try await admin.get("/admin/jobs")
            let again = try await admin.post("/admin/jobs/\(job.id!.uuidString.lowercased())/retry", form: [:])
            #expect(again.status == .conflict)
            #expect(again.text.contains("This job is Queued and cannot be changed that way."))
            module.expect(.open, .done(ipAddress: "192.0.2.20"))
            #expect(try await context.runJobs().done == 1)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)
            let done = try await admin.get("/admin/jobs?status=done")
            // The opening and the "order paid" e-mail.
            #expect(done.testIDs("job-status") == ["Done", "Done"])
            #expect(try await admin.get("/admin/jobs?service=\(service.id!.uuidString.lowercased())").testIDs("job").count == 1)

            // Support and accountants do not see the queue, and cannot act on it.
            for role in [StaffRole.support, .accountant] {
                let other = try await Browser.staff(app, role: role)
                #expect(try await other.get("/admin/jobs").status == .forbidden)
                _ = try await other.get("/admin")
                #expect(try await other.post("/admin/jobs/\(job.id!.uuidString.lowercased())/cancel", form: [:]).status == .forbidden)
            }
            #expect(try await JobRecord.find(job.id!, on: app.db)?.status == .done)
            // Anonymous visitors are sent to the staff login.
            #expect(try await Browser(app).get("/admin/jobs").status == .seeOther)
        }
    }
}
