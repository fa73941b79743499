import FluentKit

/// The privacy policy's versions (ACC-7), append-only like the audit log.
public struct CreatePrivacyPolicies: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PrivacyPolicyRecord.schema).id()
            .field("version", .int, .required)
            .field("text_en", .string, .required)
            .field("text_ru", .string, .required)
            .field("text_uk", .string, .required)
            .field("summary", .string, .required)
            .field("published_at", .datetime, .required)
            .field("published_by", .uuid, .required)
            .unique(on: "version")
            .create()
        try await AppendOnly.install(
            on: PrivacyPolicyRecord.schema, prefix: "privacy_policy", message: "a published privacy policy never changes", in: database)
    }
    public func revert(on database: any Database) async throws {
        try await AppendOnly.remove(on: PrivacyPolicyRecord.schema, prefix: "privacy_policy", in: database)
        try await database.schema(PrivacyPolicyRecord.schema).delete()
    }
}
