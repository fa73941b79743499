import BillingDomain
import FluentKit
import Foundation

/// One action of a member of staff that changed something (ADM-1's audit log): who, when, from
/// which address, what, on what. Append-only, in the database too (`CreateAuditEvents`).
public final class AuditEventRecord: Model, @unchecked Sendable {
    public static let schema = "audit_events"

    @ID(key: .id) public var id: UUID?
    @Field(key: "at") public var at: Date
    @Field(key: "staff_id") public var staffID: UUID
    /// The member's name then (a later rename does not rewrite the log).
    @Field(key: "staff_name") public var staffName: String
    @Field(key: "ip") public var ip: String
    /// What was done: the staff page's form (`client_adjust`) or the API operation.
    @Field(key: "action") public var action: String
    /// What it was done to (`accountID=…`), if anything.
    @OptionalField(key: "target") public var target: String?
    /// The form's values, secrets left out.
    @Field(key: "details") public var details: String
    /// Lower-cased `staff_name action target details`, for the search.
    @Field(key: "search_text") public var searchText: String

    public init() {}

    public init(
        id: UUID = .timeOrdered(), at: Date, staffID: UUID, staffName: String, ip: String, action: String, target: String?,
        details: String
    ) {
        self.id = id
        self.at = at
        self.staffID = staffID
        self.staffName = staffName
        self.ip = ip
        self.action = action
        self.target = target
        self.details = details
        self.searchText = [staffName, action, target ?? "", details, ip].joined(separator: " ").lowercased()
    }
}
