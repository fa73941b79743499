import FluentKit

public struct CreateCatalogPrices: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PriceRecord.schema)
            .id()
            .field("owner_id", .uuid, .required)
            .field("period", .string, .required)
            .field("currency", .string, .required)
            .field("amount", .int64, .required)
            .unique(on: "owner_id", "period", "currency")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(PriceRecord.schema).delete()
    }
}
