import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Testing

@Suite("API idempotency keys")
struct APIIdempotencyTests {
    @Test func aKeyReplaysItsFirstAnswerRefusesAnotherRequestAndExpiresAfterADay() async throws {
        try await TestEngine.run { app, clock in
            let keys = APIIdempotency(context: app.engine)
            let hash = APIIdempotency.requestHash(method: "POST", path: "/api/v1/payments", body: #"{"amount":"10.00"}"#)
            let other = APIIdempotency.requestHash(method: "POST", path: "/api/v1/payments", body: #"{"amount":"11.00"}"#)
            #expect(hash != other)

            guard case .first(let id) = try await keys.claim(scope: "user:a", key: "k1", requestHash: hash) else {
                Issue.record("the first request must run")
                return
            }
            // While it runs, a repeat waits; another user's same key is their own.
            #expect(try await keys.claim(scope: "user:a", key: "k1", requestHash: hash) == .inProgress)
            guard case .first = try await keys.claim(scope: "user:b", key: "k1", requestHash: hash) else {
                Issue.record("keys are per user")
                return
            }
            try await keys.complete(id, status: 201, contentType: "application/json", body: #"{"id":"p1"}"#)
            #expect(
                try await keys.claim(scope: "user:a", key: "k1", requestHash: hash)
                    == .replay(status: 201, contentType: "application/json", body: #"{"id":"p1"}"#))
            #expect(try await keys.claim(scope: "user:a", key: "k1", requestHash: other) == .mismatch)

            // A day and a second later the key is free again; the daily purge drops old keys.
            clock.advance(by: 24 * 3600 + 1)
            guard case .first(let again) = try await keys.claim(scope: "user:a", key: "k1", requestHash: other) else {
                Issue.record("an expired key runs again")
                return
            }
            try await keys.release(again)
            try await keys.purge()
            #expect(try await IdempotentResponseRecord.query(on: app.db).count() == 0)
        }
    }

    @Test func aFirstRequestThatNeverAnsweredIsTakenOverAfterTwoMinutes() async throws {
        try await TestEngine.run { app, clock in
            let keys = APIIdempotency(context: app.engine)
            guard case .first = try await keys.claim(scope: "user:a", key: "k", requestHash: "h") else {
                Issue.record("the first request must run")
                return
            }
            clock.advance(by: 119)
            #expect(try await keys.claim(scope: "user:a", key: "k", requestHash: "h") == .inProgress)
            clock.advance(by: 2)
            guard case .first = try await keys.claim(scope: "user:a", key: "k", requestHash: "h") else {
                Issue.record("an abandoned key is taken over")
                return
            }
            #expect(try await IdempotentResponseRecord.query(on: app.db).count() == 1)
        }
    }
}
