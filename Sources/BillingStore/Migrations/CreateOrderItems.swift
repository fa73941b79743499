import FluentKit

public struct CreateOrderItems: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(OrderItemRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, .id))
            .field("order_id", .uuid, .references(OrderRecord.schema, .id))
            .field("kind", .string, .required)
            .field("plan_id", .uuid, .required)
            .field("service_id", .uuid)
            .field("period", .string, .required)
            .field("domain_name", .string, .required)
            .field("os_image", .string, .required)
            .field("addons", .string, .required)
            .field("trial", .bool, .required)
            .field("promo_code", .string)
            .field("quote", .string)
            .field("amount", .int64, .required)
            .field("tax", .int64, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await SchemaIndex.create("order_items_account", on: OrderItemRecord.schema, columns: ["account_id", "order_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(OrderItemRecord.schema).delete()
    }
}
