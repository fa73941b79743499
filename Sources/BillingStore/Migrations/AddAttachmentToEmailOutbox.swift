import FluentKit

/// A message may carry a file made when it is sent (the personal-data export, ACC-7).
public struct AddAttachmentToEmailOutbox: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(OutboxEmailRecord.schema).field("attachment", .string).update()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(OutboxEmailRecord.schema).deleteField("attachment").update()
    }
}
