import BillingDomain
import BillingStore
import Foundation

extension UserRecord {
    /// What the user may do in the account: the owner everything, anyone else what `rights` names.
    public var clientRights: Set<ClientRight> { isOwner ? Set(ClientRight.allCases) : ClientRight.parse(rights ?? "") }
}

extension Account {
    public init(_ record: AccountRecord, fallback: Currency) {
        self.init(
            id: record.id!, clientCode: record.clientCode, name: record.name, country: record.country,
            registeredOn: LocalDate(iso: record.registeredOn), currency: record.currency, language: record.language,
            status: record.status, createdAt: record.createdAt, allowedNetworks: NetworkAllowList(stored: record.allowedNetworks))
    }
}

/// A person who logs in to a client account.
public struct ClientUser: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let accountID: UUID
    public let email: String
    public let name: String
    public let isOwner: Bool
    public let enabled: Bool
    public let phone: String?
    /// The language the person chose; `nil`: the account's.
    public let language: Language?
    public let lastLoginAt: Date?
    public let emailConfirmed: Bool
    public let createdAt: Date
    /// What the user may do: every right for the owner.
    public let rights: Set<ClientRight>

    /// Every right there is: the owner, and users given full access.
    public var fullAccess: Bool { rights.count == ClientRight.allCases.count }
    /// Invited and not yet through the invitation's page.
    public var invitationPending: Bool { !isOwner && !emailConfirmed }

    public init(_ record: UserRecord) {
        id = record.id!
        accountID = record.accountID
        email = record.email
        name = record.name
        isOwner = record.isOwner
        enabled = record.enabled
        phone = record.phone
        language = record.language
        lastLoginAt = record.lastLoginAt
        emailConfirmed = record.emailConfirmedAt != nil
        createdAt = record.createdAt
        rights = record.clientRights
    }
}

/// A message in the outbox, as staff see it on the outbox page.
public struct OutboxMessage: Sendable, Identifiable, Hashable {
    public let id: UUID
    public let recipient: String
    public let category: MailCategory
    public let subject: String
    public let body: String
    public let status: OutboxStatus
    public let attempts: Int
    public let lastError: String?
    public let createdAt: Date

    init(_ record: OutboxEmailRecord) {
        id = record.id!
        recipient = record.recipient
        category = record.category
        subject = record.subject
        body = record.body
        status = record.status
        attempts = record.attempts
        lastError = record.lastError
        createdAt = record.createdAt
    }
}

extension EngineContext {
    /// The stored account behind the value the edge holds (from the session or the API token).
    /// Use cases read it fresh, so they never act on what a request read before they ran.
    func record(of account: Account) async throws -> AccountRecord {
        guard let record = try await AccountRecord.find(account.id, on: database) else { throw PlainRefusal.unauthorized }
        return record
    }
}

extension EngineContext {
    /// An account as the edge and the public use cases take it.
    package func value(_ record: AccountRecord) -> Account { Account(record, fallback: provider.defaultCurrency) }
}
