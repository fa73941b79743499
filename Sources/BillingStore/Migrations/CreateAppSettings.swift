import FluentKit

public struct CreateAppSettings: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(SettingRecord.schema)
            .field("key", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(SettingRecord.schema).delete()
    }
}
