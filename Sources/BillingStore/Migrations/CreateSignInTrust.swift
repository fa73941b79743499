import FluentKit
import FluentSQL

/// Sign-in links (the e-mailed second step) and trusted devices: what lets an owner in while
/// strangers' wrong passwords have locked the e-mail's logins.
public struct CreateSignInTrust: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        for schema in [SignInLinkRecord.schema, TrustedDeviceRecord.schema] {
            var builder = database.schema(schema).id()
                .field("realm", .string, .required)
                .field("principal_id", .uuid, .required)
                .field("token_hash", .string, .required)
                .field("expires_at", .datetime, .required)
                .field("created_at", .datetime, .required)
                .unique(on: "token_hash")
            if schema == SignInLinkRecord.schema { builder = builder.field("used_at", .datetime) }
            try await builder.create()
        }
        try await database.sql.raw("CREATE INDEX trusted_devices_principal ON trusted_devices (principal_id)").run()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(TrustedDeviceRecord.schema).delete()
        try await database.schema(SignInLinkRecord.schema).delete()
    }
}
