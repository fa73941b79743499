/// Where user-facing texts come from: one catalog per `Language`, looked up by key.
/// `{name}` placeholders in a text are replaced by `arguments["name"]`.
public protocol TextCatalog: Sendable {
    func text(_ key: String, _ language: Language, _ arguments: [String: String]) -> String
}

extension TextCatalog {
    public func text(_ key: String, _ language: Language) -> String { text(key, language, [:]) }
}
