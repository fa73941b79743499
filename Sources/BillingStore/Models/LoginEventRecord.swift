import BillingDomain
import FluentKit
import Foundation

/// One login of a known user, or one refused (ACC-5's login history): when, from where, with
/// which browser, through the site or the API, and how it ended. Append-only.
public final class LoginEventRecord: Model, @unchecked Sendable {
    public static let schema = "login_events"

    @ID(key: .id) public var id: UUID?
    /// `client` or `staff`.
    @Field(key: "realm") public var realm: String
    @Field(key: "principal_id") public var principalID: UUID
    /// The client account of the user (`nil` for staff), so an account's history is one query.
    @OptionalField(key: "account_id") public var accountID: UUID?
    @Field(key: "at") public var at: Date
    @Field(key: "ip") public var ip: String
    @OptionalField(key: "user_agent") public var userAgent: String?
    @Field(key: "channel") public var channel: LoginChannel
    @Field(key: "outcome") public var outcome: LoginOutcome

    public init() {}

    public init(
        id: UUID = .timeOrdered(), realm: String, principalID: UUID, accountID: UUID?, at: Date, ip: String, userAgent: String?,
        channel: LoginChannel, outcome: LoginOutcome
    ) {
        self.id = id
        self.realm = realm
        self.principalID = principalID
        self.accountID = accountID
        self.at = at
        self.ip = ip
        self.userAgent = userAgent
        self.channel = channel
        self.outcome = outcome
    }
}
