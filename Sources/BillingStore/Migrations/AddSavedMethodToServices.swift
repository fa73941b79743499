import FluentKit

/// A service can renew from a saved payment method instead of the balance (FIN-7).
public struct AddSavedMethodToServices: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(ServiceRecord.schema).field("saved_method_id", .uuid).update()
        try await SchemaIndex.create("services_saved_method", on: ServiceRecord.schema, columns: ["saved_method_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await SchemaIndex.drop("services_saved_method", in: database)
        try await database.schema(ServiceRecord.schema).deleteField("saved_method_id").update()
    }
}
