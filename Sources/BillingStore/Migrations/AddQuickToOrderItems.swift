import FluentKit
import SQLKit

/// Quick orders (CAT-4): a server ordered without its name, completed after payment.
public struct AddQuickToOrderItems: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(OrderItemRecord.schema).field("quick", .bool, .required, .sql(.default(false))).update()
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(OrderItemRecord.schema).deleteField("quick").update()
    }
}
