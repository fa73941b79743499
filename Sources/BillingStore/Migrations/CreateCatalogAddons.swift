import FluentKit

public struct CreateCatalogAddons: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(AddonRecord.schema)
            .id()
            .field("plan_id", .uuid, .required, .references(PlanRecord.schema, .id))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("included", .int, .required)
            .field("minimum", .int, .required)
            .field("maximum", .int, .required)
            .field("step", .int, .required)
            .field("position", .int, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await SchemaIndex.create("catalog_addons_plan", on: AddonRecord.schema, columns: ["plan_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(AddonRecord.schema).delete()
    }
}
