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
}
