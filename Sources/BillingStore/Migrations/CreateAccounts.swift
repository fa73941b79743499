import FluentKit
import FluentSQL

public struct CreateAccounts: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(AccountRecord.schema)
            .id()
            .field("client_code", .int, .required)
            .field("name", .string, .required)
            .field("country", .string, .required)
            .field("registered_on", .string, .required)
            .field("currency", .string, .required)
            .field("language", .string, .required)
            .field("status", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "client_code")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(AccountRecord.schema).delete()
    }
}
