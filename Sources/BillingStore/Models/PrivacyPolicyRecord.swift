import BillingDomain
import FluentKit
import Foundation

/// One published version of the provider's privacy policy (ACC-7), in each interface language
/// staff wrote it in. Versions are numbered 1, 2, … and never change once published (the table
/// is append-only): a correction is a new version.
public final class PrivacyPolicyRecord: Model, @unchecked Sendable {
    public static let schema = "privacy_policies"

    @ID(key: .id) public var id: UUID?
    @Field(key: "version") public var version: Int
    @Field(key: "text_en") public var textEN: String
    @Field(key: "text_ru") public var textRU: String
    @Field(key: "text_uk") public var textUK: String
    /// What changed against the previous version, as staff put it.
    @Field(key: "summary") public var summary: String
    @Field(key: "published_at") public var publishedAt: Date
    @Field(key: "published_by") public var publishedBy: UUID

    public init() {}

    public init(version: Int, texts: [Language: String], summary: String, publishedAt: Date, publishedBy: UUID) {
        self.id = .timeOrdered()
        self.version = version
        self.textEN = texts[.en] ?? ""
        self.textRU = texts[.ru] ?? ""
        self.textUK = texts[.uk] ?? ""
        self.summary = summary
        self.publishedAt = publishedAt
        self.publishedBy = publishedBy
    }

    public func text(_ language: Language) -> String {
        switch language {
        case .en: textEN
        case .ru: textRU
        case .uk: textUK
        }
    }
}
