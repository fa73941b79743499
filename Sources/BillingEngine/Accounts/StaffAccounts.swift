import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// The members of staff: created by `billing staff create` (and the demo), listed at `/admin/staff`.
public struct StaffAccounts: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// `password` `nil`: none usable yet (an invited member chooses theirs from the link).
    @discardableResult
    public func create(email rawEmail: String, name: String, password: String?, role: StaffRole) async throws -> UUID {
        guard let email = EmailAddress.normalized(rawEmail) else { throw StaffAccountError.invalidEmail }
        if let password { do { try PasswordPolicy.check(password) } catch { throw StaffAccountError.password(error) } }
        guard try await StaffUserRecord.query(on: context.database).filter(\.$email == email).first() == nil else {
            throw StaffAccountError.emailTaken
        }
        let record = StaffUserRecord(
            email: email, name: name, passwordHash: try await context.passwords.hash(password ?? SecretToken.generate()),
            role: role, createdAt: context.clock.now)
        try await record.create(on: context.database)
        context.log(.access).info(
            "staff member created", metadata: ["staff": .string(record.id!.uuidString), "role": .string(role.rawValue)])
        return record.id!
    }

    /// Adds a member of staff from the staff page (an administrator's act; the first one is made
    /// by `billing staff create`). The password is the one the administrator hands over, or none
    /// (`StaffInvitations` e-mails the member a link to choose theirs).
    @discardableResult
    public func add(email: String, name rawName: String, password: String?, role: StaffRole, caller: Caller) async throws -> UUID {
        try caller.require(.manageStaff)
        let name = rawName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200, !name.hasControlCharacters() else { throw StaffAccountError.nameRequired }
        return try await create(email: email, name: name, password: password, role: role)
    }

    /// Changes a member's role or lets them in or not. Nobody changes themselves, and the last
    /// enabled administrator stays one. Disabling ends the member's sessions and staff tokens.
    public func change(_ id: UUID, role: StaffRole, enabled: Bool, caller: Caller) async throws {
        try caller.require(.manageStaff)
        guard case .staff(let me) = caller.initiator, me != id else { throw StaffAccountError.notYourself }
        try await context.database.transaction { db in
            guard let member = try await StaffUserRecord.find(id, on: db) else { throw StaffAccountError.notFound }
            if member.role == .administrator, member.enabled, role != .administrator || !enabled {
                let others = try await StaffUserRecord.query(on: db).filter(\.$role == .administrator).filter(\.$enabled == true)
                    .filter(\.$id != id).count()
                guard others > 0 else { throw StaffAccountError.lastAdministrator }
            }
            member.role = role
            member.enabled = enabled
            try await member.save(on: db)
            if !enabled {
                try await WebSessions(context: context).endAll(principalID: id, realm: .staff, on: db)
                try await StaffAPITokenRecord.query(on: db).filter(\.$staffID == id).filter(\.$revokedAt == nil)
                    .set(\.$revokedAt, to: context.clock.now).update()
            }
        }
        context.log(.access).info("staff member changed", metadata: ["staff": .string(id.uuidString), "role": .string(role.rawValue)])
    }

    /// Removes a member's second factor (a lost phone), after the administrator checked who asks;
    /// their next login enrols again where the setting requires it.
    public func resetTwoFactor(_ id: UUID, caller: Caller) async throws {
        try caller.require(.manageStaff)
        guard try await StaffUserRecord.find(id, on: context.database) != nil else { throw StaffAccountError.notFound }
        try await TwoFactor(context: context).remove(realm: .staff, principalID: id)
        context.log(.access).info("staff two-step login reset", metadata: ["staff": .string(id.uuidString)])
    }

    static let twoFactorRequiredKey = "staff_two_factor_required"

    /// Whether every member of staff must use the two-step login (ASVS 4.3.1): a member without
    /// it is sent to enrol before any other staff page.
    public func twoFactorRequired() async throws -> Bool {
        try await SettingRecord.find(Self.twoFactorRequiredKey, on: context.database)?.value == "on"
    }

    public func setTwoFactorRequired(_ required: Bool, caller: Caller) async throws {
        try caller.require(.manageStaff)
        try await SettingRecord.store([(Self.twoFactorRequiredKey, required ? "on" : "off")], on: context.database)
    }

    /// Every member of staff, administrators first, then by name; for a caller whose role may
    /// manage staff.
    public func list(caller: Caller) async throws -> [StaffMember] {
        try caller.require(.manageStaff)
        let records = try await StaffUserRecord.query(on: context.database).all()
        let enrolled = Set(
            try await TwoFactorRecord.query(on: context.database).filter(\.$realm == Realm.staff.rawValue).filter(\.$confirmedAt != nil)
                .all(\.$principalID))
        let order: [StaffRole: Int] = Dictionary(uniqueKeysWithValues: StaffRole.allCases.enumerated().map { ($1, $0) })
        return records.map {
            StaffMember(
                id: $0.id!, email: $0.email, name: $0.name, role: $0.role, enabled: $0.enabled, lastLoginAt: $0.lastLoginAt,
                twoFactor: enrolled.contains($0.id!))
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
    /// The two-step login is on.
    public let twoFactor: Bool
}

public enum StaffAccountError: Error, Equatable {
    case invalidEmail
    case password(PasswordError)
    case emailTaken
    case nameRequired
    case notFound
    /// Nobody changes their own role or disables themselves.
    case notYourself
    /// The last enabled administrator cannot be demoted or disabled: nobody could run the platform.
    case lastAdministrator
}

extension StaffAccountError: Refusal {
    public var code: String {
        switch self {
        case .invalidEmail: "email_invalid"
        case .password(let violation): violation.code
        case .emailTaken: "email_taken"
        case .nameRequired: "name_required"
        case .notFound: "not_found"
        case .notYourself: "not_yourself"
        case .lastAdministrator: "last_administrator"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .notFound: .notFound
        case .notYourself, .lastAdministrator: .conflict
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .invalidEmail: "error.signup.invalidEmail"
        case .password(let violation): violation.textKey
        case .emailTaken: "error.signup.emailTaken"
        case .nameRequired: "error.signup.nameRequired"
        case .notFound: "error.staff.not_found"
        case .notYourself: "error.staff.not_yourself"
        case .lastAdministrator: "error.staff.last_administrator"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .password(let violation): violation.textArguments
        default: [:]
        }
    }
}
