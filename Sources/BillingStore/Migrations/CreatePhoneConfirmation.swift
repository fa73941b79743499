import FluentKit

/// Phone numbers confirmed by a code sent by SMS (ACC-2): when the user's number was confirmed,
/// the codes, and the text messages with their delivery.
public struct CreatePhoneConfirmation: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(UserRecord.schema).field("phone_confirmed_at", .datetime).update()
        try await database.schema(PhoneCodeRecord.schema).id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, "id"))
            .field("purpose", .string, .required)
            .field("phone", .string, .required)
            .field("new_phone", .string)
            .field("code_hash", .string)
            .field("expires_at", .datetime)
            .field("closed_at", .datetime)
            .field("failed_attempts", .int, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await SchemaIndex.create("phone_codes_user", on: PhoneCodeRecord.schema, columns: ["user_id", "created_at"], in: database)
        try await database.schema(SMSMessageRecord.schema).id()
            .field("account_id", .uuid)
            .field("user_id", .uuid)
            .field("recipient", .string, .required)
            .field("body", .string, .required)
            .field("code_id", .uuid)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("last_error", .string)
            .field("channel", .string)
            .field("provider_id", .string)
            .field("delivered_text", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await SchemaIndex.create("sms_messages_created", on: SMSMessageRecord.schema, columns: ["created_at"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(SMSMessageRecord.schema).delete()
        try await database.schema(PhoneCodeRecord.schema).delete()
        try await database.schema(UserRecord.schema).deleteField("phone_confirmed_at").update()
    }
}
