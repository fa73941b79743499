import FluentKit
import Foundation

/// A provider-wide setting the platform keeps for itself (e.g. the generated signing secret),
/// shared by every instance through the database.
public final class SettingRecord: Model, @unchecked Sendable {
    public static let schema = "app_settings"

    @ID(custom: "key", generatedBy: .user) public var id: String?
    @Field(key: "value") public var value: String

    public init() {}

    public init(key: String, value: String) {
        self.id = key
        self.value = value
    }

    /// Writes several settings in one transaction, creating the ones that do not exist yet.
    public static func store(_ values: [(key: String, value: String)], on db: any Database) async throws {
        try await db.transaction { tx in
            for (key, value) in values {
                if let row = try await SettingRecord.find(key, on: tx) {
                    row.value = value
                    try await row.update(on: tx)
                } else {
                    try await SettingRecord(key: key, value: value).create(on: tx)
                }
            }
        }
    }
}
