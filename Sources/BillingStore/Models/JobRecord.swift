import BillingDomain
import FluentKit
import Foundation

/// One job of the queue: a typed kind, its payload as JSON, an idempotency key (unique: the same
/// work enqueued twice is one row), when it may run, how often it was tried, who holds its lease
/// and until when, and the last error.
public final class JobRecord: Model, @unchecked Sendable {
    public static let schema = "jobs"

    @ID(key: .id) public var id: UUID?
    @Field(key: "kind") public var kind: JobKind
    @Field(key: "payload") public var payload: String
    @Field(key: "idempotency_key") public var idempotencyKey: String
    @Field(key: "status") public var status: JobStatus
    @Field(key: "run_after") public var runAfter: Date
    @Field(key: "attempts") public var attempts: Int
    @OptionalField(key: "lease_owner") public var leaseOwner: String?
    @OptionalField(key: "lease_until") public var leaseUntil: Date?
    @OptionalField(key: "last_error") public var lastError: String?
    @OptionalField(key: "account_id") public var accountID: UUID?
    @OptionalField(key: "service_id") public var serviceID: UUID?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date
    @OptionalField(key: "finished_at") public var finishedAt: Date?

    public init() {}
}
