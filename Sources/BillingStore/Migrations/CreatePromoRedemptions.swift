import FluentKit

public struct CreatePromoRedemptions: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PromoRedemptionRecord.schema)
            .id()
            .field("promo_id", .uuid, .required, .references(PromoCodeRecord.schema, .id))
            .field("account_id", .uuid, .required)
            .field("order_item_id", .uuid, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "order_item_id")
            .create()
        try await SchemaIndex.create(
            "promo_redemptions_promo", on: PromoRedemptionRecord.schema, columns: ["promo_id", "account_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(PromoRedemptionRecord.schema).delete()
    }
}
