import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("JSON API")
struct APITests {
    struct ErrorBody: Decodable {
        struct Inner: Decodable {
            let code: String
            let message: String
        }
        let error: Inner
    }

    func json(_ response: TestingHTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
    }

    func token(_ app: Application, email: String = "anna@example.com") async throws -> String {
        let response = try await Browser(app).send(
            .POST, "/api/v1/auth/tokens",
            body: #"{"email":"\#(email)","password":"correct horse battery","name":"script"}"#,
            contentType: "application/json")
        #expect(response.status == .created)
        return try #require(try json(response)["token"] as? String)
    }

    func get(_ app: Application, _ path: String, token: String?, language: String? = nil) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        if let token { headers.bearerAuthorization = BearerAuthorization(token: token) }
        if let language { headers.replaceOrAdd(name: .acceptLanguage, value: language) }
        return try await Browser(app).send(.GET, path, body: nil, contentType: nil, extraHeaders: headers)
    }

    @Test func tokenMeAndLedger() async throws {
        try await TestApp.run { app, _ in
            let client = try await app.signUpClient(email: "anna@example.com")
            try await app.engine.ledger.post(
                try .credit(
                    client: client.accountID, amount: Money(major: 150, .EUR), from: .openingBalances,
                    kind: .openingBalance, memo: "Opening balance", idempotencyKey: "open"), actor: .testSetUp)
            let bearer = try await token(app)
            let me = try json(try await get(app, "/api/v1/me", token: bearer))
            let balance = try #require(me["balance"] as? [String: Any])
            #expect(balance["amount"] as? String == "150.00")
            #expect(balance["currency"] as? String == "EUR")
            #expect((me["debt"] as? [String: Any])?["amount"] as? String == "0.00")
            #expect((me["account"] as? [String: Any])?["client_code"] as? Int == 10_001)
            #expect((me["user"] as? [String: Any])?["email"] as? String == "anna@example.com")

            let ledger = try json(try await get(app, "/api/v1/ledger?per_page=10", token: bearer))
            #expect(ledger["total"] as? Int == 1)
            #expect(ledger["per_page"] as? Int == 10)
            let item = try #require((ledger["items"] as? [[String: Any]])?.first)
            #expect(item["kind"] as? String == "opening_balance")
            #expect((item["amount"] as? [String: Any])?["amount"] as? String == "150.00")
            let id = try #require(item["transaction_id"] as? String)
            #expect(try await get(app, "/api/v1/ledger/\(id)", token: bearer).status == .ok)
        }
    }

    @Test func anotherAccountsObjectsAreNotFound() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient(email: "anna@example.com")
            try await app.signUpClient(email: "boris@example.com")
            let posted = try await app.engine.ledger.post(
                try .credit(
                    client: anna.accountID, amount: Money(major: 5, .EUR), from: .openingBalances,
                    kind: .openingBalance, memo: "Anna's", idempotencyKey: "a"), actor: .testSetUp)
            let boris = try await token(app, email: "boris@example.com")
            let response = try await get(app, "/api/v1/ledger/\(posted.transactionID.uuidString.lowercased())", token: boris)
            #expect(response.status == .notFound)
            let error = try JSONDecoder().decode(ErrorBody.self, from: Data(response.text.utf8))
            #expect(error.error.code == "not_found")
            #expect(!response.text.contains("Anna"))
            let list = try json(try await get(app, "/api/v1/ledger", token: boris))
            #expect(list["total"] as? Int == 0)
        }
    }

    @Test func requestsWithoutAValidTokenAreRefusedWithJSONErrors() async throws {
        try await TestApp.run { app, _ in
            try await app.signUpClient(email: "anna@example.com")
            let none = try await get(app, "/api/v1/me", token: nil)
            #expect(none.status == .unauthorized)
            #expect(none.headers.first(name: .wwwAuthenticate) == "Bearer")
            let error = try JSONDecoder().decode(ErrorBody.self, from: Data(none.text.utf8))
            #expect(error.error.code == "unauthorized")
            let forged = try await get(app, "/api/v1/ledger", token: "bt_forged", language: "ru")
            #expect(forged.status == .unauthorized)
            #expect(
                try JSONDecoder().decode(ErrorBody.self, from: Data(forged.text.utf8)).error.message.hasPrefix(
                    "Нужен действующий API-токен"))

            let wrong = try await Browser(app).send(
                .POST, "/api/v1/auth/tokens", body: #"{"email":"anna@example.com","password":"nope nope nope"}"#,
                contentType: "application/json")
            #expect(wrong.status == .unauthorized)
            #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(wrong.text.utf8)).error.message == "Wrong e-mail or password.")
            let malformed = try await Browser(app).send(
                .POST, "/api/v1/auth/tokens", body: #"{"email":1}"#, contentType: "application/json")
            #expect(malformed.status == .badRequest)
            #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(malformed.text.utf8)).error.code == "invalid_request")
            #expect(try await APITokenRecord.query(on: app.db).count() == 0)
        }
    }

    /// Probe finding 7 (Schemathesis ST204): a method an API path does not have is answered 405
    /// with the methods it has, not 404; an unknown path stays 404.
    @Test func aMethodAPathDoesNotHaveIs405WithAllow() async throws {
        try await TestApp.run { app, _ in
            let wrong = try await Browser(app).send(.DELETE, "/api/v1/me", body: nil, contentType: nil)
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers.first(name: .allow) == "GET, PATCH")
            #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(wrong.text.utf8)).error.code == "method_not_allowed")
            let payments = try await Browser(app).send(.PUT, "/api/v1/payments", body: nil, contentType: nil)
            #expect(payments.status == .methodNotAllowed)
            #expect(payments.headers.first(name: .allow) == "GET, POST")
            let withID = try await Browser(app).send(.PATCH, "/api/v1/payments/\(UUID().uuidString)", body: nil, contentType: nil)
            #expect(withID.headers.first(name: .allow) == "DELETE, GET")
            #expect(try await Browser(app).send(.GET, "/api/v1/nothing-here", body: nil, contentType: nil).status == .notFound)
        }
    }

    @Test func theSpecIsServed() async throws {
        try await TestApp.run { app, _ in
            let spec = try await Browser(app).get("/api/openapi.yaml")
            #expect(spec.status == .ok)
            #expect(spec.text.contains("operationId: createToken"))
            #expect(spec.text.contains("/v1/ledger/{transactionId}"))
        }
    }
}
