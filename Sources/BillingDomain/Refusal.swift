/// Something the platform refuses on purpose: bad input, a rule that says no, a thing that is not
/// there. Every error a use case throws on purpose conforms, so one middleware can show any of
/// them, as a page in the reader's language or as the API's JSON error, and a new error can never
/// turn into a 500 by being forgotten in a table somewhere.
///
/// The text is a key into the locale files plus arguments; the edge renders it in the reader's
/// language at the moment it is shown (amounts in the reader's number format, keys translated).
public protocol Refusal: Error, Sendable {
    /// Stable and machine-readable: the API's `error.code` (`amount_below_minimum`).
    var code: String { get }
    /// The HTTP status it is answered with.
    var status: RefusalStatus { get }
    /// The locale key of the text a person reads.
    var textKey: String { get }
    /// The values the text names, by placeholder.
    var textArguments: [String: RefusalArgument] { get }
}

extension Refusal {
    public var status: RefusalStatus { .unprocessable }
    public var textArguments: [String: RefusalArgument] { [:] }
}

/// The HTTP status a refusal is answered with (the domain does not depend on an HTTP library).
public struct RefusalStatus: RawRepresentable, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let badRequest = RefusalStatus(rawValue: 400)
    public static let unauthorized = RefusalStatus(rawValue: 401)
    public static let forbidden = RefusalStatus(rawValue: 403)
    public static let notFound = RefusalStatus(rawValue: 404)
    public static let conflict = RefusalStatus(rawValue: 409)
    public static let gone = RefusalStatus(rawValue: 410)
    public static let payloadTooLarge = RefusalStatus(rawValue: 413)
    public static let unprocessable = RefusalStatus(rawValue: 422)
    public static let tooManyRequests = RefusalStatus(rawValue: 429)
    public static let badGateway = RefusalStatus(rawValue: 502)
}

/// A value named in a refusal's text, rendered for the reader.
public enum RefusalArgument: Sendable, Equatable {
    /// Shown as it is (a name, a currency code).
    case text(String)
    case number(Int)
    /// Formatted in the reader's language.
    case money(Money)
    /// Another locale key, translated in the reader's language (a status name).
    case key(String)
    /// `MoneyLimits.maximumAmount` in the reader's currency.
    case maximumAmount
}

/// A refusal built on the spot by the edge (a malformed request, a missing right).
public struct PlainRefusal: Refusal, Equatable {
    public let code: String
    public let status: RefusalStatus
    public let textKey: String
    public let textArguments: [String: RefusalArgument]

    public init(_ code: String, status: RefusalStatus = .unprocessable, key: String, arguments: [String: RefusalArgument] = [:]) {
        self.code = code
        self.status = status
        self.textKey = key
        self.textArguments = arguments
    }
}

/// Refusals that are not any use case's own: no valid credentials (or an account gone since
/// they were checked), a right the caller lacks, a request that cannot be read.
extension PlainRefusal {
    public static let unauthorized = PlainRefusal("unauthorized", status: .unauthorized, key: "error.api.unauthorized")
    public static let forbidden = PlainRefusal("forbidden", status: .forbidden, key: "error.forbidden")
    public static let badRequest = PlainRefusal("invalid_request", status: .badRequest, key: "error.bad_request")
}
