import FluentKit

public struct CreateAutopaySettings: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(AutopaySettingRecord.schema)
            .field("account_id", .uuid, .identifier(auto: false), .references(AccountRecord.schema, .id))
            .field("saved_method_id", .uuid, .required, .references(SavedMethodRecord.schema, .id))
            .field("monthly_maximum", .int64, .required)
            .field("currency", .string, .required)
            .field("enabled", .bool, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(AutopaySettingRecord.schema).delete()
    }
}
