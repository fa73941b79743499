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

    /// A server's switch port for its traffic, and the edit page: the secrets stay stored when
    /// left empty and are never shown, the port can be taken off again.
    @Test func staffCableAServerToASwitchPortAndEditIt() async throws {
        try await TestApp.run { app, _ in
            let staff = try await Browser.staff(app)
            let form = [
                "name": "rack3-u12", "address": "203.0.113.10", "bmc_host": "10.0.9.12", "bmc_port": "623", "bmc_user": "billing",
                "bmc_password": "Bmc-Secret-77", "notes": "", "switch_host": "10.0.0.2", "switch_port": "161",
                "switch_community": "sw-ro-Secret", "switch_interface": "7"
            ]
            for (field, value, message) in [
                ("switch_interface", "abc", "Enter the port's ifIndex, a whole number from 1."),
                ("switch_interface", "", "Enter the port's ifIndex, a whole number from 1."),
                ("switch_port", "0", "The SNMP port is a number from 1 to 65535 (161 on a switch)."),
                ("switch_community", "has space", "Enter the switch's read community: 1 to 64 characters, no spaces."),
                ("switch_host", "", "Enter the switch's host name or IP address, or leave the whole switch port empty.")
            ] {
                var bad = form
                bad[field] = value
                let refused = try await staff.post("/admin/servers", form: bad)
                #expect(refused.status == .unprocessableEntity, "\(field)=\(value)")
                #expect(refused.text.contains(message), "\(field)=\(value)")
                #expect(!refused.text.contains("sw-ro-Secret"))
            }
            #expect(try await DedicatedServerRecord.query(on: app.db).count() == 0)
            #expect(try await staff.post("/admin/servers", form: form).location == "/admin/servers?notice=server_added")
            let list = try await staff.get("/admin/servers")
            #expect(PageText.testID("pool-server-switch", in: list.text) == "10.0.0.2:161 · port 7")
            #expect(!list.text.contains("sw-ro-Secret"))
            let stored = try #require(try await DedicatedServerRecord.query(on: app.db).first())
            let path = "/admin/servers/\(stored.id!.uuidString.lowercased())"
            #expect(list.text.contains(#"href="\#(path)""#))

            // The edit page has the details but neither secret.
            let page = try await staff.get(path)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"value="10.0.9.12""#))
            #expect(page.text.contains(#"value="7""#))
            #expect(!page.text.contains("sw-ro-Secret"))
            #expect(!page.text.contains("Bmc-Secret-77"))
            // Saved with both secrets left empty: they stay as they were.
            var edited = form
            edited["bmc_password"] = ""
            edited["switch_community"] = ""
            edited["notes"] = "moved to row 4"
            #expect(try await staff.post(path, form: edited).location == "/admin/servers?notice=server_saved")
            let kept = try #require(try await DedicatedServerRecord.find(stored.id!, on: app.db))
            #expect(kept.notes == "moved to row 4")
            #expect(kept.bmcPasswordSealed == stored.bmcPasswordSealed)
            #expect(app.engine.secrets.open(kept.switchCommunitySealed ?? "").map { String(decoding: $0, as: UTF8.self) } == "sw-ro-Secret")
            // A bad field is refused on the edit page too, and changes nothing.
            var bad = edited
            bad["address"] = "not an address"
            let refused = try await staff.post(path, form: bad)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("Enter the server's IP address"))
            #expect(try await DedicatedServerRecord.find(stored.id!, on: app.db)?.address == "203.0.113.10")
            // Taking the switch port off.
            var off = edited
            off["switch_host"] = ""
            off["switch_interface"] = ""
            #expect(try await staff.post(path, form: off).status == .seeOther)
            let plain = try #require(try await DedicatedServerRecord.find(stored.id!, on: app.db))
            #expect(plain.switchHost == nil && plain.switchCommunitySealed == nil && plain.switchInterface == nil)
            #expect(try await staff.get("/admin/audit").text.contains("Changed a dedicated server of the pool"))

            #expect(try await staff.get("/admin/servers/\(UUID().uuidString.lowercased())").status == .notFound)
            let support = try await Browser.staff(app, role: .support)
            #expect(try await support.get(path).status == .forbidden)
            #expect(try await support.post(path, form: edited).status == .forbidden)
        }
    }
}
