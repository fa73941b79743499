import FluentKit

public struct CreateScheduledJobs: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(ScheduledJobRecord.schema)
            .id()
            .field("kind", .string, .required)
            .field("run_on", .string, .required)
            .field("status", .string, .required)
            .field("lease_owner", .string)
            .field("lease_until", .datetime)
            .field("attempts", .int, .required)
            .field("last_error", .string)
            .field("summary", .string)
            .field("created_at", .datetime, .required)
            .field("finished_at", .datetime)
            .unique(on: "kind", "run_on")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(ScheduledJobRecord.schema).delete()
    }
}
