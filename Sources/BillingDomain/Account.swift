import Foundation

/// A client account as the client and staff areas see it, and as a client caller carries it.
public struct Account: Sendable, Identifiable, Hashable {
    public let id: UUID
    /// The short number clients quote to support.
    public let clientCode: Int
    public let name: String
    /// ISO 3166 alpha-2; sets the VAT rate.
    public let country: String
    public let registeredOn: LocalDate?
    public let currency: Currency
    public let language: Language
    public let status: AccountStatus
    public let createdAt: Date
    /// Where the account's users may log in and work from (ACC-5).
    public let allowedNetworks: NetworkAllowList

    public init(
        id: UUID, clientCode: Int, name: String, country: String, registeredOn: LocalDate?, currency: Currency, language: Language,
        status: AccountStatus, createdAt: Date, allowedNetworks: NetworkAllowList = .everywhere
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
        self.allowedNetworks = allowedNetworks
    }
}
