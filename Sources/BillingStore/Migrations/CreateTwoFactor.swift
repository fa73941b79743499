import FluentKit

/// The two-step login (ACC-4): one TOTP key per user or staff member, and recovery codes.
public struct CreateTwoFactor: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(TwoFactorRecord.schema).id()
            .field("realm", .string, .required)
            .field("principal_id", .uuid, .required)
            .field("secret_sealed", .string, .required)
            .field("confirmed_at", .datetime)
            .field("last_step", .int64)
            .field("created_at", .datetime, .required)
            .unique(on: "realm", "principal_id")
            .create()
        try await database.schema(RecoveryCodeRecord.schema).id()
            .field("realm", .string, .required)
            .field("principal_id", .uuid, .required)
            .field("code_hash", .string, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "realm", "principal_id", "code_hash")
            .create()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(RecoveryCodeRecord.schema).delete()
        try await database.schema(TwoFactorRecord.schema).delete()
    }
}
