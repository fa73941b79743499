import FluentKit
import Foundation

/// What staff search compares: names and e-mail addresses folded to lower case in every script
/// ("Тестова" and "ТЕСТОВА" read `тестова`), with accents and `ё` kept apart from case. Neither
/// database folds non-ASCII letters itself in a portable way (SQLite's `LIKE` and `lower()`
/// fold ASCII only; PostgreSQL's `ILIKE` depends on the database's locale), so the folded text
/// is stored beside the record (`search_text`) and the search folds its query the same way.
public enum SearchText {
    public static func fold(_ parts: String...) -> String {
        parts.map { $0.lowercased() }.joined(separator: " ")
    }

    /// A query as a `LIKE` pattern over folded text: folded, with `LIKE`'s wildcards removed.
    public static func pattern(_ query: String) -> String {
        "%"
            + fold(query.trimmingCharacters(in: .whitespacesAndNewlines)).replacingOccurrences(of: "%", with: "")
            .replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "\\", with: "") + "%"
    }
}

extension UserRecord {
    /// What `search_text` holds for this user: name and e-mail, folded.
    public var folded: String { SearchText.fold(name, email) }
}

extension AccountRecord {
    /// What `search_text` holds for this account: its name, folded.
    public var folded: String { SearchText.fold(name) }
}

/// Keeps `search_text` in step with the fields it folds on every save through Fluent, so a
/// later page that renames a user or an account cannot leave the search behind. (Plain batch
/// inserts write the value the record's initializer folded.)
public struct UserSearchTextMiddleware: AsyncModelMiddleware {
    public init() {}
    public func create(model: UserRecord, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        model.searchText = model.folded
        try await next.create(model, on: db)
    }
    public func update(model: UserRecord, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        model.searchText = model.folded
        try await next.update(model, on: db)
    }
}

public struct AccountSearchTextMiddleware: AsyncModelMiddleware {
    public init() {}
    public func create(model: AccountRecord, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        model.searchText = model.folded
        try await next.create(model, on: db)
    }
    public func update(model: AccountRecord, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        model.searchText = model.folded
        try await next.update(model, on: db)
    }
}
