import BillingDomain
import BillingServer
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The pool of dedicated servers in the staff area (SVC-2): adding a server with its BMC, the
/// refusals that change nothing, a password never shown again, and who may open the page.
@Suite("Staff: dedicated server pool")
struct StaffServersTests {
    @Test func staffAddAServerAndItsPasswordIsNeverShown() async throws {
        try await TestApp.run { app, _ in
            let staff = try await Browser.staff(app)
            let empty = try await staff.get("/admin/servers")
            #expect(empty.status == .ok)
            #expect(PageText.testID("pool-empty", in: empty.text) != nil)
            #expect(empty.text.contains(#"href="/admin/servers""#))

            let form = [
                "name": "rack3-u12", "address": "203.0.113.10", "bmc_host": "10.0.9.12", "bmc_port": "623", "bmc_user": "billing",
                "bmc_password": "Bmc-Secret-77", "notes": "E3-1240, 32 GB"
            ]
            // Each bad field is named, the form keeps what was typed but the password, nothing is stored.
            for (field, value, message) in [
                ("address", "203.0.113", "Enter the server's IP address, such as 203.0.113.10."),
                ("bmc_port", "70000", "The BMC port is a number from 1 to 65535 (623 for IPMI)."),
                ("bmc_port", "abc", "The BMC port is a number from 1 to 65535 (623 for IPMI)."),
                ("bmc_host", "not a host", "Enter the BMC's IP address or host name."),
                ("name", " ", "Enter the server's name (up to 100 characters).")
            ] {
                var bad = form
                bad[field] = value
                let refused = try await staff.post("/admin/servers", form: bad)
                #expect(refused.status == .unprocessableEntity, "\(field)=\(value)")
                #expect(refused.text.contains(message), "\(field)=\(value)")
                #expect(!refused.text.contains("Bmc-Secret-77"))
                #expect(refused.text.contains(#"value="E3-1240, 32 GB""#))
            }
            #expect(try await DedicatedServerRecord.query(on: app.db).count() == 0)

            let added = try await staff.post("/admin/servers", form: form)
            #expect(added.location == "/admin/servers?notice=server_added")
            let list = try await staff.get("/admin/servers?notice=server_added")
            #expect(list.text.contains("The server was added to the pool."))
            #expect(PageText.testIDs("pool-server", in: list.text).count == 1)
            #expect(PageText.testID("pool-server-service", in: list.text) == "Free")
            #expect(list.text.contains("<code>billing@10.0.9.12:623</code>"))
            #expect(!list.text.contains("Bmc-Secret-77"))
            let stored = try #require(try await DedicatedServerRecord.query(on: app.db).first())
            #expect(!stored.bmcPasswordSealed.contains("Bmc-Secret-77"))
            // The same name again is refused.
            var again = form
            again["address"] = "203.0.113.11"
            #expect(try await staff.post("/admin/servers", form: again).text.contains("A server with this name is already in the pool."))
            // In the audit log, without the password.
            let audit = try await staff.get("/admin/audit")
            #expect(audit.text.contains("Added a dedicated server to the pool"))
            #expect(!audit.text.contains("Bmc-Secret-77"))

            // Support sees clients, not the BMCs.
            let support = try await Browser.staff(app, role: .support)
            #expect(try await support.get("/admin/servers").status == .forbidden)
            #expect(try await support.post("/admin/servers", form: again).status == .forbidden)
            #expect(!(try await support.get("/admin").text.contains(#"href="/admin/servers""#)))

            let removed = try await staff.post("/admin/servers/\(stored.id!.uuidString.lowercased())/remove", form: [:])
            #expect(removed.location == "/admin/servers?notice=server_removed")
            #expect(try await DedicatedServerRecord.query(on: app.db).count() == 0)
            #expect(try await staff.post("/admin/servers/\(UUID().uuidString.lowercased())/remove", form: [:]).status == .notFound)
        }
    }
}
