import FluentKit

/// The servers' logins as they were handed over (SVC-3).
public struct CreateServiceLogins: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(ServiceLoginRecord.schema)
            .field(.id, .uuid, .identifier(auto: false))
            .field("service_id", .uuid, .required, .references(ServiceRecord.schema, "id"))
            .field("user_name", .string, .required)
            .field("password_sealed", .string, .required)
            .field("next_password_sealed", .string)
            .field("next_key", .string)
            .field("updated_at", .datetime, .required)
            .unique(on: "service_id")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(ServiceLoginRecord.schema).delete()
    }
}
