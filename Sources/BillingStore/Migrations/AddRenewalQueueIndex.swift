import BillingDomain
import FluentKit
import FluentSQL

/// The renewal pass walks the services due for renewal in (expiry, number) order, 500 at a time.
/// With only `services_due (status, expires_on)` every chunk found all remaining due services and
/// sorted them to take 500: a pass over N due services cost N²/500 index reads (issue 12 measured
/// the pass slowing as N grew). This partial index holds exactly the renewable, auto-renewing
/// services in that order, so each chunk reads its 500 rows and stops. Its condition is written
/// with literals, as the pass's query is, so both databases can see that the index covers it.
public struct AddRenewalQueueIndex: AsyncMigration {
    public init() {}

    /// `status IN ('active', …) AND auto_renew = TRUE`: the services a renewal may extend.
    public static var condition: String {
        "status IN (" + ServiceStatus.renewableStatuses.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ") AND auto_renew = TRUE"
    }

    public func prepare(on database: any Database) async throws {
        try await database.sql.raw(
            SQLQueryString("CREATE INDEX services_renewal_queue ON services (expires_on, number) WHERE \(unsafeRaw: Self.condition)")
        ).run()
    }

    public func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX services_renewal_queue").run()
    }
}
