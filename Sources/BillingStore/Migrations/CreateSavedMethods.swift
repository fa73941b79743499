import FluentKit

public struct CreateSavedMethods: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(SavedMethodRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, .id))
            .field("method_id", .uuid, .required, .references(PaymentMethodRecord.schema, .id))
            .field("gateway", .string, .required)
            .field("token", .string)
            .field("customer_id", .string)
            .field("label", .string, .required)
            .field("name", .string, .required)
            .field("status", .string, .required)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("deleted_at", .datetime)
            .create()
        try await SchemaIndex.create("saved_methods_account", on: SavedMethodRecord.schema, columns: ["account_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(SavedMethodRecord.schema).delete()
    }
}
