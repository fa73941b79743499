import FluentKit

public struct CreateCurrencyRates: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(CurrencyRateRecord.schema)
            .id()
            .field("base", .string, .required)
            .field("quote", .string, .required)
            .field("rate_micros", .int64, .required)
            .field("set_by", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await SchemaIndex.create(
            "currency_rates_pair", on: CurrencyRateRecord.schema, columns: ["base", "quote", "created_at"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(CurrencyRateRecord.schema).delete()
    }
}
