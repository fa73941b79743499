import Foundation

/// Who did something: a client user in the client area, a client's API token, a staff member,
/// a job of the platform, a payment gateway's notice or a processing module. Every use case that
/// records "who" takes one, and every `actor` column stores its `stored` form, so the history
/// and the ledger name the same party the same way. (Swift's `Actor` protocol owns that name.)
public enum Initiator: Sendable, Hashable, CustomStringConvertible {
    /// A client user signed in to the client area.
    case client(userID: UUID)
    /// A client user's API token.
    case apiToken(userID: UUID)
    /// A staff member, in the staff area or through a staff API token.
    case staff(UUID)
    /// The platform itself: a scheduled job (`renewals`, `autopayment`…) or, without a name,
    /// an action the platform takes on its own.
    case system(job: String?)
    /// A payment gateway's notice (webhook).
    case gateway(String)
    /// A processing module reporting on a service.
    case module(String)

    /// The form kept in `actor` columns: `client:<user id>`, `api:<user id>`,
    /// `staff:<staff id>`, `system`, `system:<job>`, `gateway:<name>`, `module:<name>`.
    public var stored: String {
        switch self {
        case .client(let id): "client:" + id.uuidString.lowercased()
        case .apiToken(let id): "api:" + id.uuidString.lowercased()
        case .staff(let id): "staff:" + id.uuidString.lowercased()
        case .system(let job?): "system:" + job
        case .system(nil): "system"
        case .gateway(let name): "gateway:" + name
        case .module(let name): "module:" + name
        }
    }

    /// The client user behind a client or API-token initiator; `nil` for anyone else.
    public var userID: UUID? {
        switch self {
        case .client(let id), .apiToken(let id): id
        default: nil
        }
    }

    /// Reads a stored form back; `nil` for a form this type never writes.
    public init?(stored: String) {
        let parts = stored.split(separator: ":", maxSplits: 1).map(String.init)
        let rest = parts.count == 2 ? parts[1] : nil
        switch (parts.first, rest) {
        case ("client", let id?):
            guard let uuid = UUID(uuidString: id) else { return nil }
            self = .client(userID: uuid)
        case ("api", let id?):
            guard let uuid = UUID(uuidString: id) else { return nil }
            self = .apiToken(userID: uuid)
        case ("staff", let id?):
            guard let uuid = UUID(uuidString: id) else { return nil }
            self = .staff(uuid)
        case ("system", let job): self = .system(job: job)
        case ("gateway", let name?): self = .gateway(name)
        case ("module", let name?): self = .module(name)
        default: return nil
        }
    }

    /// The kind of party, as a history line names it: an API token acts for its client, a
    /// gateway's notice is the platform at work.
    public var kind: Kind {
        switch self {
        case .client, .apiToken: .client
        case .staff: .staff
        case .module: .module
        case .system, .gateway: .system
        }
    }

    public enum Kind: String, Sendable, CaseIterable { case client, staff, module, system }

    public var description: String { stored }
}
