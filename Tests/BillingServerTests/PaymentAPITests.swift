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

/// A client of the JSON API with one token, as a reseller's script would be.
struct APIClient {
    let app: Application
    let token: String
    var language: String?

    static func logIn(_ app: Application, email: String = "anna@example.com") async throws -> APIClient {
        let response = try await Browser(app).send(
            .POST, "/api/v1/auth/tokens",
            body: #"{"email":"\#(email)","password":"correct horse battery"}"#,
            contentType: "application/json")
        #expect(response.status == .created)
        let token = try #require(try APIClient.object(response)["token"] as? String)
        return APIClient(app: app, token: token)
    }

    func send(_ method: HTTPMethod, _ path: String, _ body: String? = nil, key: String? = nil) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: token)
        if let key { headers.replaceOrAdd(name: "Idempotency-Key", value: key) }
        if let language { headers.replaceOrAdd(name: .acceptLanguage, value: language) }
        return try await Browser(app).send(
            method, "/api" + path, body: body, contentType: body == nil ? nil : "application/json",
            extraHeaders: headers)
    }

    func json(_ method: HTTPMethod, _ path: String, _ body: String? = nil, key: String? = nil) async throws -> [String: Any] {
        try APIClient.object(try await send(method, path, body, key: key))
    }

    static func object(_ response: TestingHTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
    }
}

/// `{"amount": "…", "currency": "…"}` as "102.80 EUR".
func amount(_ value: Any?) -> String {
    guard let object = value as? [String: Any], let amount = object["amount"] as? String, let currency = object["currency"] as? String
    else {
        return "—"
    }
    return amount + " " + currency
}

func errorCode(_ response: TestingHTTPResponse) -> String? {
    ((try? APIClient.object(response))?["error"] as? [String: Any])?["code"] as? String
}

func errorMessage(_ response: TestingHTTPResponse) -> String? {
    ((try? APIClient.object(response))?["error"] as? [String: Any])?["message"] as? String
}

@Suite("Payments over the JSON API")
struct PaymentAPITests {
    @Test func aTopUpIsQuotedCreatedReplayedPaidAndCredited() async throws {
        try await TestApp.run { app, _ in
            let method = try await app.cardMethod(percent: 250, fixed: "0.30", cashback: 100, minimum: "5.00")
            let methodID = method.uuidString.lowercased()
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            var anna = try await APIClient.logIn(app)

            // The methods with what 100.00 and 4.99 come to.
            let methods = try #require(try await anna.json(.GET, "/v1/payment-methods?amount=100.00")["items"] as? [[String: Any]])
            #expect(methods.count == 1)
            #expect(methods[0]["kind"] as? String == "sandbox")
            #expect(methods[0]["commission_percent"] as? String == "2.5")
            #expect(amount(methods[0]["commission_fixed"]) == "0.30 EUR")
            #expect(amount(methods[0]["minimum"]) == "5.00 EUR")
            #expect(methods[0]["can_save"] as? Bool == true)
            let quote = try #require(methods[0]["quote"] as? [String: Any])
            #expect(amount(quote["commission"]) == "2.80 EUR")
            #expect(amount(quote["total"]) == "102.80 EUR")
            #expect(amount(quote["cashback"]) == "1.00 EUR")
            let small = try #require(try await anna.json(.GET, "/v1/payment-methods?amount=4.99")["items"] as? [[String: Any]])
            #expect((small[0]["refusal"] as? [String: Any])?["code"] as? String == "amount_below_minimum")
            #expect((small[0]["refusal"] as? [String: Any])?["message"] as? String == "This method accepts at least €5.00.")

            // Refusals change nothing: no key, an amount below the minimum (in Russian), nonsense.
            let body = #"{"method_id":"\#(methodID)","amount":"100.00"}"#
            let noKey = try await anna.send(.POST, "/v1/payments", body)
            #expect(noKey.status == .badRequest)
            #expect(errorCode(noKey) == "invalid_request")
            anna.language = "ru"
            let below = try await anna.send(.POST, "/v1/payments", #"{"method_id":"\#(methodID)","amount":"4.99"}"#, key: "k-small")
            #expect(below.status == .unprocessableEntity)
            #expect(errorCode(below) == "amount_below_minimum")
            #expect(errorMessage(below) == "Этим способом можно оплатить не меньше 5,00\u{00A0}€.")
            anna.language = nil
            let nonsense = try await anna.send(.POST, "/v1/payments", #"{"method_id":"\#(methodID)","amount":"1e3"}"#, key: "k-nonsense")
            #expect(nonsense.status == .unprocessableEntity)
            #expect(errorCode(nonsense) == "amount_invalid")
            let malformed = try await anna.send(.POST, "/v1/payments", #"{"method_id": 12"#, key: "k-malformed")
            #expect(malformed.status == .badRequest)
            #expect(errorCode(malformed) == "invalid_request")
            let badKey = try await anna.send(.POST, "/v1/payments", body, key: String(repeating: "k", count: 256))
            #expect(badKey.status == .badRequest)
            #expect(errorCode(badKey) == "invalid_idempotency_key")
            #expect(try await PaymentRecord.query(on: app.db).count() == 0)

            // Created once; the repeat gets the first answer, byte for byte, and creates nothing.
            let created = try await anna.send(.POST, "/v1/payments", body, key: "order-2026-0001")
            #expect(created.status == .created)
            let payment = try APIClient.object(created)
            #expect(payment["status"] as? String == "new")
            #expect(payment["purpose"] as? String == "topup")
            #expect(payment["method_name"] as? String == "Card")
            #expect(amount(payment["amount"]) == "100.00 EUR")
            #expect(amount(payment["commission"]) == "2.80 EUR")
            #expect(amount(payment["total"]) == "102.80 EUR")
            #expect(amount(payment["cashback"]) == "1.00 EUR")
            #expect((payment["pay_link"] as? String)?.hasPrefix("http://billing.test/pay/") == true)
            let id = try #require(payment["id"] as? String)
            let replay = try await anna.send(.POST, "/v1/payments", body, key: "order-2026-0001")
            #expect(replay.status == .created)
            #expect(replay.text == created.text)
            #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(created.headers.first(name: "Idempotent-Replayed") == nil)
            let reused = try await anna.send(
                .POST, "/v1/payments", #"{"method_id":"\#(methodID)","amount":"50.00"}"#, key: "order-2026-0001")
            #expect(reused.status == .unprocessableEntity)
            #expect(errorCode(reused) == "idempotency_key_reused")
            #expect(try await PaymentRecord.query(on: app.db).count() == 1)

            // Another client: the same key is theirs to use, Anna's payment is a 404 to them.
            try await app.signUpClient(email: "boris@example.com", country: "DE", currency: .EUR)
            let boris = try await APIClient.logIn(app, email: "boris@example.com")
            #expect(try await boris.send(.GET, "/v1/payments/\(id)").status == .notFound)
            #expect(try await boris.send(.DELETE, "/v1/payments/\(id)").status == .notFound)
            #expect(try await boris.send(.POST, "/v1/payments/\(id)/checkout", "{}").status == .notFound)
            let borisOwn = try await boris.send(
                .POST, "/v1/payments", #"{"method_id":"\#(methodID)","amount":"20.00"}"#, key: "order-2026-0001")
            #expect(borisOwn.status == .created)
            #expect(try APIClient.object(borisOwn)["id"] as? String != id)

            // Checkout, then the gateway's signed webhook through the router.
            let checkout = try await anna.json(.POST, "/v1/payments/\(id)/checkout", "{}")
            let redirect = try #require(checkout["redirect_url"] as? String)
            #expect(redirect.hasPrefix("http://billing.test/sandbox-gateway/pay/"))
            #expect((checkout["payment"] as? [String: Any])?["status"] as? String == "being_paid")
            let badReturn = try await anna.send(.POST, "/v1/payments/\(id)/checkout", #"{"return_url":"javascript:alert(1)"}"#)
            #expect(badReturn.status == .badRequest)
            #expect(errorCode(badReturn) == "invalid_url")
            // An address on an origin nobody allowed: our pay pages would redirect a payer there.
            let foreign = try await anna.send(.POST, "/v1/payments/\(id)/checkout", #"{"return_url":"https://evil.example/phish"}"#)
            #expect(foreign.status == .unprocessableEntity)
            #expect(errorCode(foreign) == "return_url_not_allowed")
            #expect(errorMessage(foreign)?.hasPrefix("The return address must be a full http or https URL on this site") == true)
            #expect(try await anna.json(.GET, "/v1/payments/\(id)")["status"] as? String == "being_paid")
            let (webhook, headers) = Sandbox.paid(app, redirect: redirect)
            try await app.testing().test(
                .POST, "/webhooks/sandbox",
                beforeRequest: { req in
                    for (name, value) in headers { req.headers.replaceOrAdd(name: name, value: value) }
                    req.body = .init(data: webhook)
                },
                afterResponse: { response in
                    #expect(response.status == .ok)
                })

            let paid = try await anna.json(.GET, "/v1/payments/\(id)")
            #expect(paid["status"] as? String == "credited")
            #expect(paid["credited_at"] as? String != nil)
            #expect(paid["pay_link"] == nil)
            #expect((paid["refunds"] as? [Any])?.count == 0)
            #expect(amount(try await anna.json(.GET, "/v1/me")["balance"]) == "101.00 EUR")
            #expect(try await app.balance(client.accountID) == Money.eur("101.00"))
            let paidList = try await anna.json(.GET, "/v1/payments?filter=paid")
            #expect(paidList["total"] as? Int == 2)
            let purposes = (paidList["items"] as? [[String: Any]])?.compactMap { $0["purpose"] as? String }
            #expect(purposes.map(Set.init) == ["topup", "cashback"])
            #expect(try await anna.json(.GET, "/v1/payments")["total"] as? Int == 0)
            let ledger = try #require(try await anna.json(.GET, "/v1/ledger")["items"] as? [[String: Any]])
            #expect(Set(ledger.compactMap { $0["kind"] as? String }) == ["payment", "cashback"])

            // A credited payment cannot be deleted.
            let delete = try await anna.send(.DELETE, "/v1/payments/\(id)")
            #expect(delete.status == .unprocessableEntity)
            #expect(errorCode(delete) == "not_deletable")
            #expect(errorMessage(delete) == "Only unpaid invoices can be deleted.")
        }
    }

    @Test func anOrderIsPaidAtItsFrozenTotalWithItsOwnMethodOnly() async throws {
        let resellerMayReturn: (inout AppConfig) -> Void = { $0.apiReturnOrigins = ["https://reseller.example"] }
        try await TestApp.run(adjust: resellerMayReturn) { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let card = try await app.cardMethod(percent: 250)
            let other = try await app.cardMethod()
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            let account = try await app.account(client.accountID)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web"), caller: .testClient(account))
            let order = try await Orders(context: app.engine).checkout(
                caller: .testClient(account), payFromBalance: false,
                paymentMethod: card.uuidString.lowercased())
            let orderID = order.id.uuidString.lowercased()
            let anna = try await APIClient.logIn(app)

            let wrong = try await anna.send(
                .POST, "/v1/payments", #"{"method_id":"\#(other.uuidString.lowercased())","order_id":"\#(orderID)"}"#,
                key: "pay-order-1")
            #expect(wrong.status == .unprocessableEntity)
            #expect(errorCode(wrong) == "order_method_fixed")
            let unknown = try await anna.send(
                .POST, "/v1/payments", #"{"method_id":"\#(card.uuidString.lowercased())","order_id":"\#(UUID().uuidString)"}"#,
                key: "pay-order-2")
            #expect(unknown.status == .notFound)

            // The requested 1.00 is ignored: the order's 10.00 plus 2.5 % is paid.
            let created = try await anna.send(
                .POST, "/v1/payments",
                #"{"method_id":"\#(card.uuidString.lowercased())","order_id":"\#(orderID)","amount":"1.00"}"#,
                key: "pay-order-3")
            #expect(created.status == .created)
            let payment = try APIClient.object(created)
            #expect(payment["purpose"] as? String == "order")
            #expect(payment["order_id"] as? String == orderID)
            #expect(amount(payment["amount"]) == "10.00 EUR")
            #expect(amount(payment["commission"]) == "0.25 EUR")
            #expect(amount(payment["total"]) == "10.25 EUR")

            let id = try #require(payment["id"] as? String)
            let checkout = try await anna.json(.POST, "/v1/payments/\(id)/checkout", #"{"return_url":"https://reseller.example/done"}"#)
            let redirect = try #require(checkout["redirect_url"] as? String)
            let (webhook, headers) = Sandbox.paid(app, redirect: redirect)
            let session = try #require(Sandbox.gateway(app).session(fromToken: String(redirect.split(separator: "/").last!)))
            #expect(session.returnURL == "https://reseller.example/done")
            _ = try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: webhook, headers: headers)
            #expect(try await OrderRecord.find(order.id, on: app.db)?.status == .paid)
            try await app.runJobs()
            #expect(try await ServiceRecord.query(on: app.db).first()?.status == .active)
            #expect(try await app.balance(client.accountID) == .zero(.EUR))
        }
    }

    @Test func savedMethodsAutorenewalAndAutopaymentOverTheAPI() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let method = try await app.cardMethod()
            let client = try await app.signUpClient(country: "UA", currency: .EUR)
            try await app.topUp(client.accountID, Money.eur("10.00"), key: "t")
            let account = try await app.account(client.accountID)
            try await Cart(context: app.engine).add(
                OrderConfiguration(planID: catalog.monthly, period: .month, domainName: "web"), caller: .testClient(account))
            try await Orders(context: app.engine).checkout(caller: .testClient(account), payFromBalance: true)
            try await app.runJobs()
            let service = try #require(try await ServiceRecord.query(on: app.db).first())
            let serviceID = service.id!.uuidString.lowercased()
            let anna = try await APIClient.logIn(app)

            // A card saved through the gateway's set-up page.
            let started = try await anna.send(.POST, "/v1/saved-methods", #"{"method_id":"\#(method.uuidString.lowercased())"}"#)
            #expect(started.status == .created)
            let setup = try APIClient.object(started)
            #expect((setup["saved_method"] as? [String: Any])?["status"] as? String == "being_set_up")
            let setupURL = try #require(setup["setup_url"] as? String)
            let (webhook, headers) = Sandbox.paid(app, redirect: setupURL)
            #expect(
                try await GatewayWebhooks(context: app.engine).receive(gateway: "sandbox", body: webhook, headers: headers) == .methodSaved)
            let saved = try #require((try await anna.json(.GET, "/v1/saved-methods")["items"] as? [[String: Any]])?.first)
            #expect(saved["status"] as? String == "enabled")
            #expect(saved["label"] as? String == "Visa •••• 4242")
            let savedID = try #require(saved["id"] as? String)

            let renamed = try await anna.json(.PATCH, "/v1/saved-methods/\(savedID)", #"{"name":"Office card"}"#)
            #expect(renamed["name"] as? String == "Office card")
            let blank = try await anna.send(.PATCH, "/v1/saved-methods/\(savedID)", #"{"name":"   "}"#)
            #expect(blank.status == .unprocessableEntity)
            #expect(errorCode(blank) == "name_missing")

            // The service renews from the card; autopayment up to 25.00 a month.
            let renewal = try await anna.json(.PUT, "/v1/autorenewal/\(serviceID)", #"{"auto_renew":true,"saved_method_id":"\#(savedID)"}"#)
            #expect(renewal["auto_renew"] as? Bool == true)
            #expect(renewal["saved_method_id"] as? String == savedID)
            #expect(amount(renewal["price"]) == "10.00 EUR")
            #expect(renewal["expires_on"] as? String == "2026-02-15")
            let autopay = try await anna.json(
                .PUT, "/v1/autopay", #"{"enabled":true,"saved_method_id":"\#(savedID)","monthly_maximum":"25.00"}"#)
            #expect(autopay["enabled"] as? Bool == true)
            #expect(amount(autopay["monthly_maximum"]) == "25.00 EUR")
            #expect(amount(autopay["taken_this_month"]) == "0.00 EUR")
            let zero = try await anna.send(.PUT, "/v1/autopay", #"{"enabled":true,"saved_method_id":"\#(savedID)","monthly_maximum":"0"}"#)
            #expect(zero.status == .unprocessableEntity)
            #expect(try await AutopaySettingRecord.find(client.accountID, on: app.db)?.monthlyMaximum == Money.eur("25.00").units)

            // Another client sees none of it and changes none of it.
            try await app.signUpClient(email: "boris@example.com", country: "UA", currency: .EUR)
            let boris = try await APIClient.logIn(app, email: "boris@example.com")
            #expect(try await boris.send(.PUT, "/v1/autorenewal/\(serviceID)", #"{"auto_renew":false}"#).status == .notFound)
            #expect(try await boris.send(.DELETE, "/v1/saved-methods/\(savedID)").status == .notFound)
            #expect(try await boris.send(.PATCH, "/v1/saved-methods/\(savedID)", #"{"name":"Mine"}"#).status == .notFound)
            #expect(try await boris.json(.GET, "/v1/autorenewal")["items"] as? [Any] != nil)
            #expect((try await boris.json(.GET, "/v1/autorenewal")["items"] as? [Any])?.count == 0)
            #expect(try await ServiceRecord.find(service.id!, on: app.db)?.autoRenew == true)

            // Deleting the card turns auto-renewal and autopayment off and names the service.
            let deleted = try await anna.json(.DELETE, "/v1/saved-methods/\(savedID)")
            let off = try #require(deleted["services_turned_off"] as? [[String: Any]])
            #expect(off.compactMap { $0["number"] as? Int } == [service.number])
            let after = try #require((try await anna.json(.GET, "/v1/autorenewal")["items"] as? [[String: Any]])?.first)
            #expect(after["auto_renew"] as? Bool == false)
            #expect(after["saved_method_id"] == nil)
            #expect(try await anna.json(.GET, "/v1/autopay")["enabled"] as? Bool == false)
            #expect((try await anna.json(.GET, "/v1/saved-methods")["items"] as? [Any])?.count == 0)
        }
    }

    @Test func concurrentRepeatsOfOneKeyCreateOnePayment() async throws {
        try await TestApp.run { app, _ in
            let method = try await app.cardMethod()
            try await app.signUpClient(country: "DE", currency: .EUR)
            let anna = try await APIClient.logIn(app)
            let body = #"{"method_id":"\#(method.uuidString.lowercased())","amount":"30.00"}"#
            let answers = try await withThrowingTaskGroup(of: (HTTPStatus, String?).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await anna.send(.POST, "/v1/payments", body, key: "retry-storm")
                        return (
                            response.status,
                            response.status == .created ? try APIClient.object(response)["id"] as? String : errorCode(response)
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(try await PaymentRecord.query(on: app.db).count() == 1)
            let payment = try #require(try await PaymentRecord.query(on: app.db).first())
            // Each answer is the payment or "still running"; none is a second payment or an error.
            for (status, value) in answers {
                if status == .created {
                    #expect(value == payment.id!.uuidString.lowercased())
                } else {
                    #expect(status == .conflict)
                    #expect(value == "idempotency_in_progress")
                }
            }
            #expect(answers.contains { $0.0 == .created })
        }
    }
}

@Suite("Staff payments over the JSON API")
struct StaffPaymentAPITests {
    static func staffToken(_ app: Application, role: StaffRole) async throws -> APIClient {
        let email = "\(role.rawValue)@provider.example"
        try await StaffAccounts(context: app.engine).create(email: email, name: "Olga", password: "staff password 1", role: role)
        let response = try await Browser(app).send(
            .POST, "/api/v1/staff/auth/tokens",
            body: #"{"email":"\#(email)","password":"staff password 1"}"#, contentType: "application/json")
        #expect(response.status == .created)
        let token = try #require(try APIClient.object(response)["token"] as? String)
        #expect(token.hasPrefix("bts_"))
        return APIClient(app: app, token: token)
    }

    @Test func aBankTransferIsConfirmedAndRefundedOnceEachWithKeys() async throws {
        try await TestApp.run { app, _ in
            let bank = try await PaymentMethods(context: app.engine).save(
                PaymentMethodForm(
                    kind: .bankTransfer, name: "Bank", currency: .EUR, minimum: Money.eur("10.00"), payerKinds: [.company]),
                caller: .testStaff)
            let client = try await app.signUpClient(country: "DE", currency: .EUR)
            let anna = try await APIClient.logIn(app)

            // The client issues the invoice over the API: a company payer, no gateway to go to.
            let personal = try await anna.send(
                .POST, "/v1/payments", #"{"method_id":"\#(bank.uuidString.lowercased())","amount":"30.00"}"#,
                key: "inv-0")
            #expect(errorCode(personal) == "payer_kind_not_allowed")
            let created = try await anna.json(
                .POST, "/v1/payments",
                #"{"method_id":"\#(bank.uuidString.lowercased())","amount":"30.00","payer":{"kind":"company","name":"Anna LLC"}}"#,
                key: "inv-1")
            #expect((created["payer"] as? [String: Any])?["name"] as? String == "Anna LLC")
            #expect(amount(created["total"]) == "30.00 EUR")
            let id = try #require(created["id"] as? String)
            let checkout = try await anna.json(.POST, "/v1/payments/\(id)/checkout", "{}")
            #expect(checkout["redirect_url"] == nil)
            #expect((checkout["payment"] as? [String: Any])?["status"] as? String == "new")

            // Tokens keep to their side; support may not touch payments.
            let accountant = try await Self.staffToken(app, role: .accountant)
            let support = try await Self.staffToken(app, role: .support)
            #expect(try await anna.send(.GET, "/v1/staff/payments").status == .unauthorized)
            #expect(try await accountant.send(.GET, "/v1/me").status == .unauthorized)
            let forbidden = try await support.send(.POST, "/v1/staff/payments/\(id)/confirm")
            #expect(forbidden.status == .forbidden)
            #expect(errorMessage(forbidden) == "You do not have the right to do this.")
            #expect(try await support.send(.GET, "/v1/staff/payments").status == .forbidden)

            let list = try await accountant.json(.GET, "/v1/staff/payments?method=bank_transfer&status=new")
            #expect(list["total"] as? Int == 1)
            let row = try #require((list["items"] as? [[String: Any]])?.first)
            #expect((row["client"] as? [String: Any])?["email"] as? String == "anna@example.com")
            #expect((row["client"] as? [String: Any])?["client_code"] as? Int == 10_001)
            #expect(try await accountant.json(.GET, "/v1/staff/payments?q=nobody")["total"] as? Int == 0)

            // What the statement says is checked first: a day in the future, a day that is no
            // date, an amount of nothing; each is refused and credits nothing.
            let future = try await accountant.send(.POST, "/v1/staff/payments/\(id)/confirm", #"{"received_on":"2026-01-16"}"#)
            #expect(future.status == .unprocessableEntity)
            #expect(errorCode(future) == "received_on_invalid")
            #expect(errorMessage(future) == "The date the money arrived must be between the invoice's date and today.")
            let notADay = try await accountant.send(.POST, "/v1/staff/payments/\(id)/confirm", #"{"received_on":"15.01.2026"}"#)
            #expect(errorCode(notADay) == "received_on_invalid")
            let nothing = try await accountant.send(.POST, "/v1/staff/payments/\(id)/confirm", #"{"amount":"0.00"}"#)
            #expect(errorCode(nothing) == "amount_invalid")
            #expect(try await app.balance(client.accountID) == .zero(.EUR))
            // Confirmed once with the statement's figures: the balance is 30.00, the payment keeps
            // the day, the reference and who confirmed; a second confirmation is refused.
            let confirmed = try await accountant.json(
                .POST, "/v1/staff/payments/\(id)/confirm", #"{"amount":"30.00","received_on":"2026-01-15","reference":"SEPA 0115-42"}"#)
            #expect((confirmed["payment"] as? [String: Any])?["status"] as? String == "credited")
            let confirmation = try #require(confirmed["confirmation"] as? [String: Any])
            #expect(confirmation["received_on"] as? String == "2026-01-15")
            #expect(confirmation["reference"] as? String == "SEPA 0115-42")
            #expect((confirmation["confirmed_by"] as? String)?.hasPrefix("staff:") == true)
            #expect(try await app.balance(client.accountID) == Money.eur("30.00"))
            let again = try await accountant.send(.POST, "/v1/staff/payments/\(id)/confirm")
            #expect(again.status == .unprocessableEntity)
            #expect(errorMessage(again) == "This invoice cannot be paid any more.")

            // Refund 10.00; the retried request answers the same and refunds nothing more.
            let refundBody = #"{"amount":"10.00","reason":"Service not delivered"}"#
            let refund = try await accountant.send(.POST, "/v1/staff/payments/\(id)/refunds", refundBody, key: "refund-1")
            #expect(refund.status == .created)
            let refunded = try #require(try APIClient.object(refund)["payment"] as? [String: Any])
            #expect(amount(refunded["refunded"]) == "10.00 EUR")
            #expect((refunded["refunds"] as? [[String: Any]])?.map { amount($0["amount"]) } == ["10.00 EUR"])
            let retried = try await accountant.send(.POST, "/v1/staff/payments/\(id)/refunds", refundBody, key: "refund-1")
            #expect(retried.text == refund.text)
            #expect(retried.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(try await app.balance(client.accountID) == Money.eur("20.00"))
            #expect(try await RefundRecord.query(on: app.db).count() == 1)

            let noKey = try await accountant.send(.POST, "/v1/staff/payments/\(id)/refunds", refundBody)
            #expect(noKey.status == .badRequest)
            let tooMuch = try await accountant.send(
                .POST, "/v1/staff/payments/\(id)/refunds", #"{"amount":"20.01","reason":"x"}"#, key: "refund-2")
            #expect(errorCode(tooMuch) == "refund_too_large")
            #expect(errorMessage(tooMuch) == "At most €20.00 can be refunded.")
            let noReason = try await accountant.send(
                .POST, "/v1/staff/payments/\(id)/refunds", #"{"amount":"1.00","reason":" "}"#, key: "refund-3")
            #expect(errorCode(noReason) == "reason_missing")
            let rest = try await accountant.json(
                .POST, "/v1/staff/payments/\(id)/refunds", #"{"amount":"20.00","reason":"Closed"}"#, key: "refund-4")
            #expect((rest["payment"] as? [String: Any])?["status"] as? String == "refunded")
            #expect(try await app.balance(client.accountID) == .zero(.EUR))
            #expect(try await RefundRecord.query(on: app.db).count() == 2)

            // A disabled member's token stops working.
            let member = try #require(try await StaffUserRecord.query(on: app.db).filter(\.$email == "accountant@provider.example").first())
            member.enabled = false
            try await member.save(on: app.db)
            #expect(try await accountant.send(.GET, "/v1/staff/payments").status == .unauthorized)
        }
    }
}
