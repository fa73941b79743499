import BillingDomain
import FluentKit
import Foundation

/// A user's picture (ACC-6), kept in the database (no file under the web root), with the kind
/// its bytes were checked to be; served only with that kind's image content type.
public final class AvatarRecord: Model, @unchecked Sendable {
    public static let schema = "user_avatars"

    /// The user's id.
    @ID(custom: .id, generatedBy: .user) public var id: UUID?
    @Field(key: "kind") public var kind: ImageCheck.Kind
    @Field(key: "data") public var data: Data
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public init(userID: UUID, kind: ImageCheck.Kind, data: Data, updatedAt: Date) {
        self.id = userID
        self.kind = kind
        self.data = data
        self.updatedAt = updatedAt
    }
}
