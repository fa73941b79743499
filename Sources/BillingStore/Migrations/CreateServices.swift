import FluentKit

public struct CreateServices: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(ServiceRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, .id))
            .field("number", .int, .required)
            .field("plan_id", .uuid, .required)
            .field("product_type", .string, .required)
            .field("plan_name", .string, .required)
            .field("domain_name", .string, .required)
            .field("os_image", .string, .required)
            .field("addons", .string, .required)
            .field("status", .string, .required)
            .field("operation", .string)
            .field("period", .string, .required)
            .field("currency", .string, .required)
            .field("recurring_amount", .int64, .required)
            .field("auto_renew", .bool, .required)
            .field("anchor_on", .string, .required)
            .field("periods_paid", .int, .required)
            .field("expires_on", .string, .required)
            .field("is_trial", .bool, .required)
            .field("ip_address", .string)
            .field("expired_on", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "number")
            .create()
        try await SchemaIndex.create("services_due", on: ServiceRecord.schema, columns: ["status", "expires_on"], in: database)
        try await SchemaIndex.create("services_account", on: ServiceRecord.schema, columns: ["account_id", "product_type"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(ServiceRecord.schema).delete()
    }
}
