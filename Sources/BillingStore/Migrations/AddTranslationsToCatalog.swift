import FluentKit

/// Names and descriptions of plans, resources and payment methods in Russian and Ukrainian beside
/// the English ones staff must enter: one JSON column per table (`{"name.ru": "…", "summary.uk": "…"}`),
/// so adding a language needs no migration.
public struct AddTranslationsToCatalog: AsyncMigration {
    public init() {}
    static let tables = ["catalog_plans", "catalog_addons", "payment_methods"]
    public func prepare(on database: any Database) async throws {
        for table in Self.tables {
            try await database.schema(table).field("translations", .string).update()
        }
    }
    public func revert(on database: any Database) async throws {
        for table in Self.tables {
            try await database.schema(table).deleteField("translations").update()
        }
    }
}
