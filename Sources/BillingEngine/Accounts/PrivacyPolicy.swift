import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// A published version of the privacy policy, in one language.
public struct PrivacyPolicyVersion: Sendable, Hashable {
    public let version: Int
    public let publishedAt: Date
    public let summary: String
    /// The text in the reader's language; in the provider's language (or any written) when that
    /// one was left empty.
    public let text: String
    /// `false` when the text is shown in another language than asked for.
    public let inRequestedLanguage: Bool
}

public enum PrivacyPolicyError: Error, Equatable, Sendable {
    /// The provider's own language needs a text.
    case textRequired(Language)
    case tooLong(Int)
    case notFound
}

/// The privacy policy (ACC-7): staff publish numbered versions (never edited: a correction is a
/// new version), everyone reads the current one and the earlier ones with their dates.
public struct PrivacyPolicy: Sendable {
    let context: EngineContext
    public static let maximumLength = 100_000

    public init(context: EngineContext) { self.context = context }

    public func current(in language: Language) async throws -> PrivacyPolicyVersion? {
        try await PrivacyPolicyRecord.query(on: context.database).sort(\.$version, .descending).first().map { value($0, language) }
    }

    public func version(_ number: Int, in language: Language) async throws -> PrivacyPolicyVersion {
        guard let record = try await PrivacyPolicyRecord.query(on: context.database).filter(\.$version == number).first() else {
            throw PrivacyPolicyError.notFound
        }
        return value(record, language)
    }

    /// Every version, newest first.
    public func versions(in language: Language) async throws -> [PrivacyPolicyVersion] {
        try await PrivacyPolicyRecord.query(on: context.database).sort(\.$version, .descending).all().map { value($0, language) }
    }

    /// Publishes the next version. The provider's default language must have a text; the others
    /// may be left empty (readers then see the default language's).
    @discardableResult
    public func publish(texts raw: [Language: String], summary rawSummary: String, caller: Caller) async throws -> Int {
        try caller.require(.manageStaff)
        guard case .staff(let staffID) = caller.initiator else { throw PlainRefusal.forbidden }
        let texts = raw.mapValues { $0.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines) }
        let main = context.provider.defaultLanguage
        guard !(texts[main] ?? "").isEmpty else { throw PrivacyPolicyError.textRequired(main) }
        guard texts.values.allSatisfy({ $0.count <= Self.maximumLength }) else { throw PrivacyPolicyError.tooLong(Self.maximumLength) }
        let summary = String(rawSummary.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500))
        return try await context.database.transaction { db in
            // The unique version makes a concurrent publisher fail rather than share a number.
            let last = try await PrivacyPolicyRecord.query(on: db).sort(\.$version, .descending).first()?.version ?? 0
            try await PrivacyPolicyRecord(
                version: last + 1, texts: texts, summary: summary, publishedAt: context.clock.now, publishedBy: staffID
            ).create(on: db)
            return last + 1
        }
    }

    private func value(_ record: PrivacyPolicyRecord, _ language: Language) -> PrivacyPolicyVersion {
        let asked = record.text(language)
        let fallback = [context.provider.defaultLanguage, .en, .ru, .uk].map(record.text).first { !$0.isEmpty } ?? ""
        return PrivacyPolicyVersion(
            version: record.version, publishedAt: record.publishedAt, summary: record.summary, text: asked.isEmpty ? fallback : asked,
            inRequestedLanguage: !asked.isEmpty)
    }
}

extension PrivacyPolicyError: Refusal {
    public var code: String {
        switch self {
        case .textRequired: "text_required"
        case .tooLong: "text_too_long"
        case .notFound: "not_found"
        }
    }

    public var status: RefusalStatus { self == .notFound ? .notFound : .unprocessable }

    public var textKey: String {
        switch self {
        case .textRequired: "error.policy.text_required"
        case .tooLong: "error.policy.too_long"
        case .notFound: "error.not_found"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .textRequired(let language): ["language": .text(language.nativeName)]
        case .tooLong(let limit): ["limit": .number(limit)]
        case .notFound: [:]
        }
    }
}
