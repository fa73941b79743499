import Foundation

/// What a user of a client account may do. The owner has every right; other users of the account
/// (sub-users) have the ones the owner gives them, and an API token has the ones its scopes name,
/// never more than its user. Stored and named by `rawValue` (in `users.rights`, in token scopes,
/// in the API's `scopes`).
public enum ClientRight: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    /// See services, their parameters and history.
    case viewServices = "services.view"
    /// Order new services, extend and change existing ones (these make orders to pay).
    case orderServices = "services.order"
    /// Stop, start and set the renewal of services.
    case manageServices = "services.manage"
    /// Delete services.
    case deleteServices = "services.delete"
    /// See payments, the balance, expenses and the ledger.
    case viewFinance = "finance.view"
    /// Pay: top up, pay orders, change the account's currency.
    case pay = "finance.pay"
    /// Invoices, acts and other documents.
    case documents = "finance.documents"
    /// Saved cards and autopayment.
    case paymentMethods = "finance.methods"
    /// The payers (persons and companies) the account pays as.
    case payers = "payers.manage"
    /// Support tickets.
    case support = "support"
    /// The account's users and their rights.
    case users = "users.manage"
    /// The account's security: sessions, API tokens, trusted devices.
    case security = "security"

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// What an API token with the old `read` scope may do: see, never change.
    public static let reading: Set<ClientRight> = [.viewServices, .viewFinance, .documents]

    /// The rights a scope names: a right's own name, or `read` (`reading`) or `write` (every
    /// right) as tokens issued before rights were named have them. `nil` for an unknown scope.
    public static func granted(byScope scope: String) -> Set<ClientRight>? {
        switch scope {
        case "read": reading
        case "write": Set(allCases)
        default: ClientRight(rawValue: scope).map { [$0] }
        }
    }

    /// The rights a stored list names (space-separated); unknown names are ignored, so a right
    /// removed from the code grants nothing.
    public static func parse(_ stored: String) -> Set<ClientRight> {
        Set(stored.split(separator: " ").flatMap { granted(byScope: String($0)) ?? [] })
    }

    /// The stored form of a set: names sorted, space-separated.
    public static func stored(_ rights: Set<ClientRight>) -> String { rights.sorted().map(\.rawValue).joined(separator: " ") }
}

/// Who calls a use case, for which account, with which rights: built once per request by the
/// session, API-token or staff middleware (or by a job for the platform), and taken by the use
/// cases, which check the right and that the object belongs to the account. The web, the API and
/// later the Telegram bot therefore get the same answer from the same check.
public struct Caller: Sendable, Hashable {
    /// Who acts, as the history and the ledger name them.
    public let initiator: Initiator
    /// The client account acted for: `nil` for staff and for the platform acting on its own.
    public let account: Account?
    public let clientRights: Set<ClientRight>
    public let staffRights: Set<StaffPermission>

    public init(initiator: Initiator, account: Account?, clientRights: Set<ClientRight>, staffRights: Set<StaffPermission>) {
        self.initiator = initiator
        self.account = account
        self.clientRights = clientRights
        self.staffRights = staffRights
    }

    /// A user signed in to the client area, with the user's rights.
    public static func user(_ userID: UUID, of account: Account, rights: Set<ClientRight>) -> Caller {
        Caller(initiator: .client(userID: userID), account: account, clientRights: rights, staffRights: [])
    }

    /// A user's API token: its rights are its scopes' and the user's in common.
    public static func token(of userID: UUID, account: Account, userRights: Set<ClientRight>, scopes: Set<String>) -> Caller {
        let granted = scopes.reduce(into: Set<ClientRight>()) { $0.formUnion(ClientRight.granted(byScope: $1) ?? []) }
        return Caller(
            initiator: .apiToken(userID: userID), account: account, clientRights: granted.intersection(userRights), staffRights: [])
    }

    /// A member of staff, with the rights of the role (its built-in set).
    public static func staff(_ staffID: UUID, role: StaffRole) -> Caller {
        staff(staffID, permissions: role.permissions)
    }

    /// A member of staff with the rights their role has at this installation (`StaffRoles`: the
    /// provider may edit the sets of every role but the administrator's).
    public static func staff(_ staffID: UUID, permissions: Set<StaffPermission>) -> Caller {
        Caller(initiator: .staff(staffID), account: nil, clientRights: [], staffRights: permissions)
    }

    /// The platform acting for an account (a daily step paying an order from the balance).
    public static func platform(job: String?, for account: Account) -> Caller {
        Caller(initiator: .system(job: job), account: account, clientRights: Set(ClientRight.allCases), staffRights: [])
    }

    /// The platform acting as the provider (the demo's catalog, defaults at start-up): every
    /// staff right, for no account.
    public static func provider(job: String) -> Caller {
        Caller(initiator: .system(job: job), account: nil, clientRights: [], staffRights: Set(StaffPermission.allCases))
    }

    public func may(_ right: ClientRight) -> Bool { account != nil && clientRights.contains(right) }
    public func may(_ permission: StaffPermission) -> Bool { staffRights.contains(permission) }

    /// The account the caller acts for, if the caller has `right`; otherwise a 403 refusal.
    public func account(for right: ClientRight) throws -> Account {
        guard let account, clientRights.contains(right) else { throw PlainRefusal.forbidden }
        return account
    }

    /// The account the caller acts for, if the caller has any one of `rights` (a payment's page
    /// is for those who may see finances and for those who just paid); otherwise a 403 refusal.
    public func account(forAny rights: Set<ClientRight>) throws -> Account {
        guard let account, !clientRights.isDisjoint(with: rights) else { throw PlainRefusal.forbidden }
        return account
    }

    /// Refuses (403) a caller without the staff right.
    public func require(_ permission: StaffPermission) throws {
        guard staffRights.contains(permission) else { throw PlainRefusal.forbidden }
    }
}

/// What an address or an API operation asks of its caller: the one table (`SiteURL.access`,
/// `APIAccess`) holds one of these for every page, form action and operation.
public enum Access: Sendable, Hashable, CustomStringConvertible {
    /// Anyone, signed in or not (the login page, a payment link).
    case anyone
    /// Any signed-in user of a client account (the dashboard shows what the user's rights allow).
    case signedInClient
    /// A client user (or token) with the right.
    case client(ClientRight)
    /// Any signed-in member of staff.
    case signedInStaff
    /// A member of staff whose role has the right.
    case staff(StaffPermission)

    /// Whether a caller (`nil`: nobody signed in) passes.
    public func admits(_ caller: Caller?) -> Bool {
        switch self {
        case .anyone: true
        case .signedInClient: caller?.account != nil
        case .client(let right): caller?.may(right) == true
        case .signedInStaff: caller.map { if case .staff = $0.initiator { true } else { false } } ?? false
        case .staff(let permission): caller?.may(permission) == true
        }
    }

    public var description: String {
        switch self {
        case .anyone: "anyone"
        case .signedInClient: "client"
        case .client(let right): "client:" + right.rawValue
        case .signedInStaff: "staff"
        case .staff(let permission): "staff:" + permission.rawValue
        }
    }
}
