import BillingDomain
import FluentKit
import Foundation

/// A client account: the company or person that buys services, with its users, payers and balance.
public final class AccountRecord: Model, @unchecked Sendable {
    public static let schema = "accounts"

    @ID(key: .id) public var id: UUID?
    /// The short number clients quote to support ("client code").
    @Field(key: "client_code") public var clientCode: Int
    @Field(key: "name") public var name: String
    /// ISO 3166-1 alpha-2 country of the account, e.g. `RU`, `UA`, `DE`.
    @Field(key: "country") public var country: String
    /// The billing date of registration, `YYYY-MM-DD` in the provider's time zone.
    @Field(key: "registered_on") public var registeredOn: String
    @Field(key: "currency") public var currency: Currency
    @Field(key: "language") public var language: Language
    @Field(key: "status") public var status: AccountStatus
    @Field(key: "created_at") public var createdAt: Date
    /// The name as staff search finds it (`SearchText`), kept by `SearchTextMiddleware`.
    @Field(key: "search_text") public var searchText: String
    /// The networks the account's users may work from (`NetworkAllowList.stored`); `nil`: anywhere.
    @OptionalField(key: "allowed_networks") public var allowedNetworks: String?
    /// The bcrypt hash of the code word support asks callers for; `nil`: none set.
    @OptionalField(key: "code_word_hash") public var codeWordHash: String?

    public init() {}

    public init(
        id: UUID = .timeOrdered(), clientCode: Int, name: String, country: String, registeredOn: String,
        currency: Currency, language: Language, status: AccountStatus = .active, createdAt: Date
    ) {
        self.id = id
        self.clientCode = clientCode
        self.name = name
        self.country = country
        self.registeredOn = registeredOn
        self.currency = currency
        self.language = language
        self.status = status
        self.createdAt = createdAt
        self.searchText = folded
    }
}
