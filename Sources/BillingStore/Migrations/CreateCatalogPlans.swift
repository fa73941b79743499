import FluentKit

public struct CreateCatalogPlans: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PlanRecord.schema)
            .id()
            .field("product_type", .string, .required)
            .field("name", .string, .required)
            .field("description", .string, .required)
            .field("trial_days", .int, .required)
            .field("enabled", .bool, .required)
            .field("position", .int, .required)
            .field("os_images", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(PlanRecord.schema).delete()
    }
}
