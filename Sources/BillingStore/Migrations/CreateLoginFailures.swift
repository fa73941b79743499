import FluentKit

public struct CreateLoginFailures: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(LoginFailureRecord.schema)
            .id()
            .field("realm", .string, .required)
            .field("email", .string, .required)
            .field("ip", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await SchemaIndex.create("login_failures_email", on: LoginFailureRecord.schema, columns: ["email", "at"], in: database)
        try await SchemaIndex.create("login_failures_ip", on: LoginFailureRecord.schema, columns: ["ip", "at"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(LoginFailureRecord.schema).delete()
    }
}
