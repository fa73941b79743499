import BillingDomain
import FluentKit
import Foundation

/// The first answer to an API request sent with an `Idempotency-Key`, replayed for repeats of
/// that request. `status` 0 means the first request is still running.
public final class IdempotentResponseRecord: Model, @unchecked Sendable {
    public static let schema = "api_idempotency"

    @ID(key: .id) public var id: UUID?
    /// Whose key it is (the API user), so two users' keys never collide.
    @Field(key: "scope") public var scope: String
    @Field(key: "key") public var key: String
    /// A digest of method, path and body: the same key with another request is refused.
    @Field(key: "request_hash") public var requestHash: String
    @Field(key: "status") public var status: Int
    @Field(key: "content_type") public var contentType: String
    @Field(key: "body") public var body: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public init(id: UUID = .timeOrdered(), scope: String, key: String, requestHash: String, createdAt: Date) {
        self.id = id
        self.scope = scope
        self.key = key
        self.requestHash = requestHash
        self.status = 0
        self.contentType = ""
        self.body = ""
        self.createdAt = createdAt
    }
}
