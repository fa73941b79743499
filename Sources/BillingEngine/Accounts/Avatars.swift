import BillingDomain
import BillingStore
import FluentKit
import Foundation

public enum AvatarError: Error, Equatable, Sendable {
    /// Not a PNG or JPEG whose header reads (an SVG, an HTML page, a renamed file).
    case notAnImage
    case tooLarge(kilobytes: Int)
    case tooManyPixels(maximum: Int)
}

/// A picture to show.
public struct AvatarImage: Sendable, Equatable {
    public let contentType: String
    public let data: Data
    public let updatedAt: Date
}

/// The user's own picture (ACC-6): a PNG or JPEG checked by its bytes, at most 512 KB and 2048 px
/// a side, kept in the database and served only with its checked image type.
public struct Avatars: Sendable {
    let context: EngineContext
    public static let maximumBytes = 512 * 1024
    public static let maximumSide = 2048

    public init(context: EngineContext) { self.context = context }

    private func own(_ caller: Caller) throws -> UUID {
        guard caller.account != nil, let id = caller.initiator.userID else { throw PlainRefusal.forbidden }
        return id
    }

    public func set(_ data: Data, caller: Caller) async throws {
        let userID = try own(caller)
        guard data.count <= Self.maximumBytes else { throw AvatarError.tooLarge(kilobytes: Self.maximumBytes / 1024) }
        guard let image = ImageCheck.inspect(data) else { throw AvatarError.notAnImage }
        guard image.width <= Self.maximumSide, image.height <= Self.maximumSide else {
            throw AvatarError.tooManyPixels(maximum: Self.maximumSide)
        }
        let now = context.clock.now
        try await context.database.transaction { db in
            if let existing = try await AvatarRecord.find(userID, on: db) {
                existing.kind = image.kind
                existing.data = data
                existing.updatedAt = now
                try await existing.save(on: db)
            } else {
                try await AvatarRecord(userID: userID, kind: image.kind, data: data, updatedAt: now).create(on: db)
            }
        }
    }

    public func remove(caller: Caller) async throws {
        try await AvatarRecord.query(on: context.database).filter(\.$id == own(caller)).delete()
    }

    /// The caller's picture, if they have one.
    public func image(caller: Caller) async throws -> AvatarImage? {
        try await AvatarRecord.find(own(caller), on: context.database).map {
            AvatarImage(contentType: $0.kind.contentType, data: $0.data, updatedAt: $0.updatedAt)
        }
    }

    /// When the caller's picture last changed (for the page's link), without reading it.
    public func updatedAt(caller: Caller) async throws -> Date? {
        try await AvatarRecord.query(on: context.database).filter(\.$id == own(caller)).field(\.$id).field(\.$updatedAt).first()?
            .updatedAt
    }
}

extension AvatarError: Refusal {
    public var code: String {
        switch self {
        case .notAnImage: "not_an_image"
        case .tooLarge: "file_too_large"
        case .tooManyPixels: "image_too_large"
        }
    }

    public var status: RefusalStatus {
        if case .tooLarge = self { return .payloadTooLarge }
        return .unprocessable
    }

    public var textKey: String {
        switch self {
        case .notAnImage: "error.avatar.not_an_image"
        case .tooLarge: "error.avatar.too_large"
        case .tooManyPixels: "error.avatar.too_many_pixels"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .notAnImage: [:]
        case .tooLarge(let kilobytes): ["size": .number(kilobytes)]
        case .tooManyPixels(let maximum): ["size": .number(maximum)]
        }
    }
}
