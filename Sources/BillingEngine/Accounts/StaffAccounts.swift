import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// The members of staff: created by `billing staff create` (and the demo), listed at `/admin/staff`.
public struct StaffAccounts: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    @discardableResult
    public func create(email rawEmail: String, name: String, password: String, role: StaffRole) async throws -> UUID {
        guard let email = EmailAddress.normalized(rawEmail) else { throw StaffAccountError.invalidEmail }
        do { try PasswordPolicy.check(password) } catch { throw StaffAccountError.password(error) }
        guard try await StaffUserRecord.query(on: context.database).filter(\.$email == email).first() == nil else {
            throw StaffAccountError.emailTaken
        }
        let record = StaffUserRecord(
            email: email, name: name, passwordHash: try await context.passwords.hash(password),
            role: role, createdAt: context.clock.now)
        try await record.create(on: context.database)
        context.log(.access).info(
            "staff member created", metadata: ["staff": .string(record.id!.uuidString), "role": .string(role.rawValue)])
        return record.id!
    }

    /// Every member of staff, administrators first, then by name; for a caller whose role may
    /// manage staff.
    public func list(caller: Caller) async throws -> [StaffMember] {
        try caller.require(.manageStaff)
        let records = try await StaffUserRecord.query(on: context.database).all()
        let order: [StaffRole: Int] = Dictionary(uniqueKeysWithValues: StaffRole.allCases.enumerated().map { ($1, $0) })
        return records.map {
            StaffMember(id: $0.id!, email: $0.email, name: $0.name, role: $0.role, enabled: $0.enabled, lastLoginAt: $0.lastLoginAt)
        }.sorted { (order[$0.role] ?? 0, $0.name.lowercased()) < (order[$1.role] ?? 0, $1.name.lowercased()) }
    }

    /// The names of the members of staff among some initiators (who confirmed a payment, who
    /// refunded), by member id; members since removed are left out.
    public func names(of initiators: [Initiator]) async throws -> [UUID: String] {
        let ids = Set(initiators.compactMap { if case .staff(let id) = $0 { id } else { nil } })
        guard !ids.isEmpty else { return [:] }
        let records = try await StaffUserRecord.query(on: context.database).filter(\.$id ~~ ids).all()
        return Dictionary(uniqueKeysWithValues: records.map { ($0.id!, $0.name) })
    }

    /// Whether anyone can run the installation: an enabled administrator exists. Production
    /// refuses to start without one (`billing staff create` makes the first).
    public func hasAdministrator() async throws -> Bool {
        try await StaffUserRecord.query(on: context.database).filter(\.$role == .administrator).filter(\.$enabled == true).first() != nil
    }
}

/// A member of staff as the staff list shows them (never the password's hash).
public struct StaffMember: Sendable, Hashable {
    public let id: UUID
    public let email: String
    public let name: String
    public let role: StaffRole
    public let enabled: Bool
    public let lastLoginAt: Date?
}

public enum StaffAccountError: Error, Equatable {
    case invalidEmail
    case password(PasswordError)
    case emailTaken
}

extension StaffAccountError: Refusal {
    public var code: String {
        switch self {
        case .invalidEmail: "email_invalid"
        case .password(let violation): violation.code
        case .emailTaken: "email_taken"
        }
    }

    public var textKey: String {
        switch self {
        case .invalidEmail: "error.signup.invalidEmail"
        case .password(let violation): violation.textKey
        case .emailTaken: "error.signup.emailTaken"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .password(let violation): violation.textArguments
        default: [:]
        }
    }
}
