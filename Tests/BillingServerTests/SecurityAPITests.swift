import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import BillingServer

/// The API twins of the profile and the security page.
@Suite("Security API")
struct SecurityAPITests {
    @Test func sessionsTokensLoginsTwoFactorAndNetworksThroughTheAPI() async throws {
        try await TestApp.run { app, clock in
            _ = try await app.signUpClient()
            let browser = Browser(app)
            try await browser.logIn()
            let api = try await APIClient.logIn(app)

            let sessions = try await api.json(.GET, "/v1/security/sessions")
            let session = try #require((sessions["items"] as? [[String: Any]])?.first)
            #expect(session["user_name"] as? String == "Anna Client")
            let tokens = try await api.json(.GET, "/v1/security/tokens")
            #expect((tokens["items"] as? [[String: Any]])?.count == 1)
            let logins = try await api.json(.GET, "/v1/security/logins")
            #expect((logins["items"] as? [[String: Any]])?.compactMap { $0["channel"] as? String } == ["api", "web"])

            // Ending the browser's session through the API logs the browser out.
            let sessionID = try #require(session["id"] as? String)
            #expect(try await api.send(.DELETE, "/v1/security/sessions/\(sessionID)").status == .noContent)
            #expect(try await browser.get("/dashboard").location?.hasPrefix("/login") == true)
            #expect(try await api.send(.DELETE, "/v1/security/sessions/\(sessionID)").status == .notFound)

            // The two-step login: start, confirm with a computed code, then the token needs codes.
            #expect(try await api.json(.GET, "/v1/security/two-factor")["enabled"] as? Bool == false)
            let started = try await api.send(.POST, "/v1/security/two-factor/enrolment")
            #expect(started.status == .created)
            let key = try #require(try APIClient.object(started)["secret"] as? String)
            let secret = try #require(Base32.decode(key))
            func code() -> String { TOTP.code(secret: secret, step: TOTP.step(at: clock.now)) }
            let wrong = try await api.send(.POST, "/v1/security/two-factor/confirmation", #"{"code":"000000"}"#)
            #expect(wrong.status == .unprocessableEntity)
            #expect(errorCode(wrong) == "wrong_code")
            let confirmed = try await api.json(.POST, "/v1/security/two-factor/confirmation", #"{"code":"\#(code())"}"#)
            #expect((confirmed["recovery_codes"] as? [String])?.count == 10)
            let state = try await api.json(.GET, "/v1/security/two-factor")
            #expect(state["enabled"] as? Bool == true)
            #expect(state["recovery_codes_left"] as? Int == 10)
            clock.advance(by: 30)
            #expect(try await api.send(.POST, "/v1/security/two-factor/disable", #"{"code":"\#(code())"}"#).status == .noContent)

            // The password: the current one is needed.
            let refused = try await api.send(
                .POST, "/v1/me/password", #"{"current_password":"nope nope nope","new_password":"a brand new password"}"#)
            #expect(errorCode(refused) == "wrong_password")
            #expect(
                try await api.send(
                    .POST, "/v1/me/password", #"{"current_password":"correct horse battery","new_password":"a brand new password"}"#
                ).status == .noContent)

            // A list without the caller's address needs the confirmation; then the token is shut out.
            let lockout = try await api.send(.PUT, "/v1/security/allowed-networks", #"{"networks":["203.0.113.0/24"]}"#)
            #expect(lockout.status == .conflict)
            #expect(errorCode(lockout) == "would_lock_out")
            #expect(try await api.json(.GET, "/v1/security/allowed-networks")["networks"] as? [String] == [])
            let bad = try await api.send(.PUT, "/v1/security/allowed-networks", #"{"networks":["not a network"]}"#)
            #expect(errorCode(bad) == "invalid_network")
            let saved = try await api.json(
                .PUT, "/v1/security/allowed-networks", #"{"networks":["203.0.113.9/24","2001:db8::/32"],"confirm_lockout":true}"#)
            #expect(saved["networks"] as? [String] == ["203.0.113.0/24", "2001:db8:0:0:0:0:0:0/32"])
            let shut = try await api.send(.GET, "/v1/security/tokens")
            #expect(shut.status == .forbidden)
            #expect(errorCode(shut) == "address_not_allowed")
        }
    }

    @Test func aSubUserWithoutTheSecurityRightSeesOnlyTheirOwnAndNoNetworks() async throws {
        try await TestApp.run { app, _ in
            let anna = try await app.signUpClient()
            _ = try await APIClient.logIn(app)
            _ = try await AccessTableTests.subUser(app, account: anna.accountID, rights: [.viewServices])
            let issued = try await Browser(app).send(
                .POST, "/api/v1/auth/tokens", body: #"{"email":"igor@example.com","password":"helper password 1"}"#,
                contentType: "application/json")
            let igor = APIClient(app: app, token: try #require(try APIClient.object(issued)["token"] as? String))
            let tokens = try await igor.json(.GET, "/v1/security/tokens")
            #expect((tokens["items"] as? [[String: Any]])?.compactMap { $0["user_name"] as? String } == ["Igor Helper"])
            #expect(try await igor.send(.GET, "/v1/security/allowed-networks").status == .forbidden)
            #expect(try await igor.send(.PUT, "/v1/security/code-word", #"{"word":"blue fox"}"#).status == .forbidden)
        }
    }

    @Test func otherAddressesThroughTheAPI() async throws {
        try await TestApp.run { app, clock in
            _ = try await app.signUpClient()
            let api = try await APIClient.logIn(app)
            let added = try await api.send(.POST, "/v1/me/emails", #"{"email":"books@example.com","categories":["finance","news"]}"#)
            #expect(added.status == .created)
            let id = try #require(try APIClient.object(added)["id"] as? String)
            #expect(try APIClient.object(added)["confirmed"] as? Bool == false)
            // The link went with the address; asking again at once is refused, a minute later sent.
            #expect(try await api.send(.POST, "/v1/me/emails/\(id)/confirmation").status == .tooManyRequests)
            clock.advance(by: 61)
            #expect(try await api.send(.POST, "/v1/me/emails/\(id)/confirmation").status == .accepted)
            #expect(try await app.mailedTokens(to: "books@example.com", path: "/emails/confirm/").count == 2)
            #expect(
                errorCode(try await api.send(.POST, "/v1/me/emails", #"{"email":"books@example.com","categories":[]}"#))
                    == "duplicate_email")
            #expect(try await api.send(.PUT, "/v1/me/emails/\(id)", #"{"categories":["support"]}"#).status == .noContent)
            let listed = try await api.json(.GET, "/v1/me/emails")
            #expect((listed["items"] as? [[String: Any]])?.first?["categories"] as? [String] == ["support"])
            #expect(try await api.send(.DELETE, "/v1/me/emails/\(id)").status == .noContent)
            #expect(try await api.send(.DELETE, "/v1/me/emails/\(id)").status == .notFound)
        }
    }
}
