import FluentKit

public struct CreatePayers: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PayerRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, .id))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await SchemaIndex.create("payers_account", on: PayerRecord.schema, columns: ["account_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(PayerRecord.schema).delete()
    }
}
