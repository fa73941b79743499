import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import EngineTestSupport
import Fluent
import Foundation
import Provisioning
import Testing
import Vapor
import VaporTesting

/// The API twins of the server pages (SVC-3..SVC-5): power, reinstall, network and reverse DNS,
/// traffic; the same refusals in the reader's language, another account's server not found.
@Suite("JSON API: servers")
struct APIServiceTests {
    func json(_ response: TestingHTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
    }

    func call(
        _ app: Application, _ method: HTTPMethod, _ path: String, token: String, body: String? = nil, language: String? = nil
    ) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: token)
        if let language { headers.replaceOrAdd(name: .acceptLanguage, value: language) }
        return try await Browser(app).send(
            method, path, body: body, contentType: body == nil ? nil : "application/json", extraHeaders: headers)
    }

    @Test func aScriptRebootsReinstallsSetsReverseDNSAndReadsTraffic() async throws {
        try await TestApp.run { app, clock in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(email: "anna@example.com", country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let token = try await APITests().token(app)
            let base = "/api/v1/services/\(service.id!.uuidString.lowercased())"

            let reboot = try await call(app, .POST, base + "/power", token: token, body: #"{"action":"reboot"}"#)
            #expect(reboot.status == .accepted)
            #expect(try json(reboot)["status"] as? String == "processing")
            #expect(try json(reboot)["operation"] as? String == "reboot")
            // A second one while it reboots is refused, with the client area's words.
            let again = try await call(app, .POST, base + "/power", token: token, body: #"{"action":"reboot"}"#, language: "uk")
            #expect(again.status == .unprocessableEntity)
            try await app.runJobs()
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)
            // A hung server: the hard reset, a reboot that cuts the power, with its own history line.
            let reset = try await call(app, .POST, base + "/power", token: token, body: #"{"action":"reset"}"#)
            #expect(reset.status == .accepted)
            #expect(try json(reset)["operation"] as? String == "reboot")
            let resetJob = try #require(
                try await JobRecord.query(on: app.db).filter(\.$kind == .serviceReboot).filter(\.$status == .queued).first())
            #expect(resetJob.payload.contains(#""hardReset":true"#))
            try await app.runJobs()
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.status == .active)
            #expect(
                try await ServiceEventRecord.query(on: app.db).filter(\.$serviceID == service.id!).filter(\.$event == "reset_requested")
                    .count() == 1)

            let windows = try await call(app, .POST, base + "/reinstall", token: token, body: #"{"os_image":"Windows 11"}"#)
            #expect(windows.status == .unprocessableEntity)
            #expect(((try json(windows)["error"] as? [String: Any])?["code"] as? String) == "os_not_offered")
            let reinstall = try await call(app, .POST, base + "/reinstall", token: token, body: #"{"os_image":"Ubuntu 24.04"}"#)
            #expect(reinstall.status == .accepted)
            #expect(try json(reinstall)["operation"] as? String == "reinstall")
            try await app.runJobs()
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.osImage == "Ubuntu 24.04")

            let network = try json(try await call(app, .GET, base + "/network", token: token))
            #expect(network["netmask"] as? String == "255.255.0.0")
            let address = try #require((network["addresses"] as? [[String: Any]])?.first?["address"] as? String)
            #expect(address == service.ipAddress)
            let bad = try await call(
                app, .PUT, base + "/network/reverse-dns", token: token, body: #"{"address":"\#(address)","name":"not a name"}"#,
                language: "ru")
            #expect(bad.status == .unprocessableEntity)
            #expect(((try json(bad)["error"] as? [String: Any])?["message"] as? String)?.hasPrefix("Введите имя хоста") == true)
            let set = try await call(
                app, .PUT, base + "/network/reverse-dns", token: token, body: #"{"address":"\#(address)","name":"web1.anna.example"}"#)
            #expect(set.status == .accepted)
            let row = try #require((try json(set)["addresses"] as? [[String: Any]])?.first)
            #expect(row["reverse_name"] as? String == "web1.anna.example")
            #expect(row["reverse_status"] as? String == "pending")
            try await app.runJobs()
            let applied = try json(try await call(app, .GET, base + "/network", token: token))
            #expect((applied["addresses"] as? [[String: Any]])?.first?["reverse_status"] as? String == "applied")

            let hour = Date(timeIntervalSince1970: (clock.now.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
            try await TrafficHourRecord(serviceID: service.id!, hour: hour, rxBytes: 1_000, txBytes: 3_000).create(on: app.db)
            let traffic = try json(try await call(app, .GET, base + "/traffic?span=week", token: token))
            #expect(traffic["span"] as? String == "week")
            #expect(traffic["rx_bytes"] as? Int == 1_000)
            #expect(traffic["tx_bytes"] as? Int == 3_000)
            #expect((traffic["buckets"] as? [[String: Any]])?.count == 7)
            #expect(try await call(app, .GET, base + "/traffic?span=decade", token: token).status == .badRequest)

            // Another account's server does not exist for it.
            _ = try await app.signUpClient(email: "boris@example.com")
            let boris = try await APITests().token(app, email: "boris@example.com")
            #expect(try await call(app, .GET, base + "/network", token: boris).status == .notFound)
            #expect(try await call(app, .POST, base + "/power", token: boris, body: #"{"action":"stop"}"#).status == .notFound)
        }
    }
}

extension APIServiceTests {
    /// The console's API twin: the address without the password, then the password on POST,
    /// with no-store; another account's server is not found.
    @Test func theConsoleThroughTheAPI() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let client = try await app.signUpClient(email: "anna@example.com", country: "DE", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("50.00"), key: "t")
            let service = try await app.orderPaid(catalog.monthly, domain: "web1", for: client.accountID)
            let expected = try #require(SimulatedProcessingModule().vncConsole(forService: service.number))
            let token = try await APITests().token(app)
            let path = "/api/v1/services/\(service.id!.uuidString.lowercased())/console"
            let read = try await call(app, .GET, path, token: token)
            #expect(read.status == .ok)
            let console = try json(read)
            #expect(console["kind"] as? String == "vnc")
            #expect(console["available"] as? Bool == true)
            #expect(console["host"] as? String == "10.20.0.2")
            #expect(console["port"] as? Int == 5900 + service.number)
            #expect(!read.text.contains(expected.password))
            let opened = try await call(app, .POST, path, token: token)
            #expect(opened.status == .ok)
            #expect(try json(opened)["password"] as? String == expected.password)
            #expect(opened.headers.first(name: .cacheControl)?.contains("no-store") == true)
            // The login data: the password the module was handed.
            let record = try #require(try await ServiceLoginRecord.query(on: app.db).filter(\.$serviceID == service.id!).first())
            let password = String(decoding: try #require(app.engine.secrets.open(record.passwordSealed)), as: UTF8.self)
            let login = try await call(app, .POST, "/api/v1/services/\(service.id!.uuidString.lowercased())/login", token: token)
            #expect(login.status == .ok)
            #expect(try json(login)["user"] as? String == "root")
            #expect(try json(login)["password"] as? String == password)
            #expect(try json(login)["address"] as? String == service.ipAddress)

            _ = try await app.signUpClient(email: "other@example.com", country: "DE", currency: .EUR)
            let stranger = try await APITests().token(app, email: "other@example.com")
            let foreign = try await call(app, .POST, path, token: stranger)
            #expect(foreign.status == .notFound)
            let foreignLogin = try await call(
                app, .POST, "/api/v1/services/\(service.id!.uuidString.lowercased())/login", token: stranger)
            #expect(foreignLogin.status == .notFound)
            #expect(!foreignLogin.text.contains(password))
            #expect(!foreign.text.contains(expected.password))
        }
    }
}
