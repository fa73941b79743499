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

    public init(
        id: UUID, clientCode: Int, name: String, country: String, registeredOn: LocalDate?, currency: Currency, language: Language,
        status: AccountStatus, createdAt: Date
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
    }
}
