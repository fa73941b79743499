/// Where user-facing texts come from: one catalog per `Language`, looked up by key.
/// `{name}` placeholders in a text are replaced by `arguments["name"]`.
public protocol TextCatalog: Sendable {
    func text(_ key: String, _ language: Language, _ arguments: [String: String]) -> String
}

extension TextCatalog {
    public func text(_ key: String, _ language: Language) -> String { text(key, language, [:]) }
}

/// The policy against password guessing: after too many failures in the window, logins for that
/// e-mail (existing or not) or from that address are refused with the same answer, until the
/// oldest failure leaves the window.
public struct LoginThrottlePolicy: Sendable {
    public var maxFailuresPerEmail: Int
    public var maxFailuresPerIP: Int
    public var window: Double

    public init(maxFailuresPerEmail: Int = 5, maxFailuresPerIP: Int = 20, window: Double = 15 * 60) {
        self.maxFailuresPerEmail = maxFailuresPerEmail
        self.maxFailuresPerIP = maxFailuresPerIP
        self.window = window
    }

    public func isLocked(failuresForEmail: Int, failuresFromIP: Int) -> Bool {
        failuresForEmail >= maxFailuresPerEmail || failuresFromIP >= maxFailuresPerIP
    }
}
