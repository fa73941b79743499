import FluentKit

public struct CreatePaymentMethods: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PaymentMethodRecord.schema)
            .id()
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("descriptions", .string, .required)
            .field("currency", .string, .required)
            .field("commission_bp", .int64, .required)
            .field("commission_fixed", .int64, .required)
            .field("minimum", .int64)
            .field("maximum", .int64)
            .field("cashback_bp", .int64, .required)
            .field("payer_kinds", .string, .required)
            .field("enabled", .bool, .required)
            .field("position", .int, .required)
            .field("created_at", .datetime, .required)
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(PaymentMethodRecord.schema).delete()
    }
}
