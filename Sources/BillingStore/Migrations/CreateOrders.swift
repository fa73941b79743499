import FluentKit

public struct CreateOrders: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(OrderRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, .id))
            .field("number", .int, .required)
            .field("status", .string, .required)
            .field("currency", .string, .required)
            .field("total", .int64, .required)
            .field("tax", .int64, .required)
            .field("payment_method", .string, .required)
            .field("created_at", .datetime, .required)
            .field("paid_at", .datetime)
            .unique(on: "number")
            .create()
        try await SchemaIndex.create("orders_account", on: OrderRecord.schema, columns: ["account_id", "status"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(OrderRecord.schema).delete()
    }
}
