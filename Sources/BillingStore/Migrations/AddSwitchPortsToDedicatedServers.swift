import FluentKit

/// The switch port each dedicated server is cabled to, read over SNMP for its traffic (SVC-5).
public struct AddSwitchPortsToDedicatedServers: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        // One column a statement: SQLite adds one at a time.
        for (column, type) in [
            ("switch_host", DatabaseSchema.DataType.string), ("switch_port", .int),
            ("switch_community_sealed", .string), ("switch_interface", .int)
        ] {
            try await database.schema(DedicatedServerRecord.schema).field(.string(column), type).update()
        }
    }
    public func revert(on database: any Database) async throws {
        for column in ["switch_host", "switch_port", "switch_community_sealed", "switch_interface"] {
            try await database.schema(DedicatedServerRecord.schema).deleteField(.string(column)).update()
        }
    }
}
