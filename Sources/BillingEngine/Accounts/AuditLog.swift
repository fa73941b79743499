import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// A line of the audit log, as `/admin/audit` shows it.
public struct AuditEvent: Sendable, Hashable, Identifiable {
    public let id: UUID
    public let at: Date
    public let staffName: String
    public let ip: String
    public let action: String
    public let target: String?
    public let details: String
}

/// The audit log of staff actions (ADM-1): every form a member of staff sends that changes
/// something, and every staff API call that does, recorded by the edge after it succeeded.
public struct AuditLog: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public func record(staffID: UUID, staffName: String, ip: String, action: String, target: String?, details: String) async throws {
        try await AuditEventRecord(
            at: context.clock.now, staffID: staffID, staffName: staffName, ip: ip, action: action,
            target: target.map { String($0.prefix(300)) }, details: String(details.prefix(1000))
        ).create(on: context.database)
    }

    /// The newest first; `query` matches the member, the action, the target, the details and the
    /// address (any part, any case).
    public func search(_ query: String, page: PageRequest, caller: Caller) async throws -> Page<AuditEvent> {
        try caller.require(.manageStaff)
        let builder = AuditEventRecord.query(on: context.database)
        let words = query.lowercased().split(separator: " ").prefix(5)
        for word in words { builder.filter(\.$searchText, .contains(inverse: false, .anywhere), String(word)) }
        let total = try await builder.copy().count()
        let page = page.within(total: total)
        let items = try await builder.sort(\.$at, .descending).sort(\.$id, .descending).offset(page.offset).limit(page.size).all()
        return Page(
            items: items.map {
                AuditEvent(
                    id: $0.id!, at: $0.at, staffName: $0.staffName, ip: $0.ip, action: $0.action, target: $0.target, details: $0.details)
            }, total: total, request: page)
    }
}
