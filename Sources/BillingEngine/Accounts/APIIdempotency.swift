import BillingStore
import FluentKit
import FluentSQL
import Foundation

/// Idempotency keys on API requests that create money movements (ARCHITECTURE, "Requests"):
/// the first request with a key runs and its answer is kept; a repeat of that request gets the
/// same answer without running again; the same key on another request is refused. Keys live
/// for `retention` (a day, as Stripe keeps them), scoped to the API user.
public struct APIIdempotency: Sendable {
    let context: EngineContext

    public static let retention: TimeInterval = 24 * 3600
    /// A first request that has not answered in this long died with its process: a repeat may
    /// run again. The use cases below the API are idempotent on their own (a payment is keyed by
    /// the same key), so a second run finds what the first one did.
    public static let abandonedAfter: TimeInterval = 120

    public init(context: EngineContext) { self.context = context }

    /// What to do with a request that carries a key.
    public enum Claim: Sendable, Equatable {
        /// The first request: run it, then `complete` (or `release` when it failed).
        case first(UUID)
        /// A repeat: answer with the first answer.
        case replay(status: Int, contentType: String, body: String)
        /// The key was used with another request.
        case mismatch
        /// The first request with this key is still running.
        case inProgress
    }

    /// The digest a request is recognised by: method, path with query, and body.
    public static func requestHash(method: String, path: String, body: String) -> String {
        SecretToken.digest(method + " " + path + "\n" + body)
    }

    public func claim(scope: String, key: String, requestHash: String) async throws -> Claim {
        let db = context.database
        let now = context.clock.now
        for _ in 0..<3 {
            if let found = try await IdempotentResponseRecord.query(on: db).filter(\.$scope == scope).filter(\.$key == key).first() {
                let expired = now.timeIntervalSince(found.createdAt) > Self.retention
                let abandoned = found.status == 0 && now.timeIntervalSince(found.createdAt) > Self.abandonedAfter
                if expired || abandoned {
                    // A new row gets a new id, so this never deletes a row another caller just made;
                    // of callers racing to insert the next one, the unique index lets one through.
                    try await IdempotentResponseRecord.query(on: db).filter(\.$id == found.id!).delete()
                    continue
                }
                guard found.requestHash == requestHash else { return .mismatch }
                guard found.status != 0 else { return .inProgress }
                return .replay(status: found.status, contentType: found.contentType, body: found.body)
            }
            let record = IdempotentResponseRecord(scope: scope, key: key, requestHash: requestHash, createdAt: now)
            do {
                try await record.create(on: db)
                return .first(record.id!)
            } catch {
                // A concurrent request with the same key inserted first (unique scope + key):
                // look again and answer as for a repeat.
                continue
            }
        }
        return .inProgress
    }

    /// Keeps the first answer.
    public func complete(_ id: UUID, status: Int, contentType: String, body: String) async throws {
        try await IdempotentResponseRecord.query(on: context.database).filter(\.$id == id)
            .set(\.$status, to: status).set(\.$contentType, to: contentType).set(\.$body, to: body).update()
    }

    /// Forgets a request that failed without an answer worth keeping (a server error, a refusal
    /// that changed nothing): the same key may be sent again and runs again.
    public func release(_ id: UUID) async throws {
        try await IdempotentResponseRecord.query(on: context.database).filter(\.$id == id).delete()
    }

    /// Drops keys older than `retention` (the daily job).
    public func purge() async throws {
        try await IdempotentResponseRecord.query(on: context.database)
            .filter(\.$createdAt < context.clock.now.addingTimeInterval(-Self.retention)).delete()
    }
}
