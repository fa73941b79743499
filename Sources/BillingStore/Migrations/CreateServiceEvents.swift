import FluentKit

public struct CreateServiceEvents: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(ServiceEventRecord.schema)
            .id()
            .field("service_id", .uuid, .required, .references(ServiceRecord.schema, .id))
            .field("at", .datetime, .required)
            .field("event", .string, .required)
            .field("from_status", .string)
            .field("to_status", .string, .required)
            .field("actor", .string, .required)
            .field("note", .string, .required)
            .create()
        try await SchemaIndex.create("service_events_service", on: ServiceEventRecord.schema, columns: ["service_id", "at"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(ServiceEventRecord.schema).delete()
    }
}
