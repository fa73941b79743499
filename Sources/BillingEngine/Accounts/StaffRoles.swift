import BillingDomain
import BillingStore
import FluentKit
import Foundation

public enum StaffRoleError: Error, Equatable, Sendable {
    /// The administrator's rights are every right, always.
    case administratorFixed
    /// Nobody grants a right they do not hold.
    case rightNotHeld(StaffPermission)
}

/// The staff roles as sets of rights the provider edits (ADM-1): support and accountants get
/// what this provider wants them to have; the administrator always has everything. The sets are
/// kept in `app_settings` (`staff_role.<role>`, the rights space-separated) and read with the
/// two-step-login setting in the one query each staff request already made.
public struct StaffRoles: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    static func key(_ role: StaffRole) -> String { "staff_role." + role.rawValue }

    /// What a staff request needs to know: the role's rights, and whether the two-step login is
    /// required of every member.
    public struct Policy: Sendable, Equatable {
        public let permissions: Set<StaffPermission>
        public let twoFactorRequired: Bool
    }

    public func policy(for role: StaffRole) async throws -> Policy {
        let settings = try await SettingRecord.query(on: context.database)
            .filter(\.$id ~~ [Self.key(role), StaffAccounts.twoFactorRequiredKey]).all()
        let stored = settings.first { $0.id == Self.key(role) }?.value
        return Policy(
            permissions: Self.permissions(role, stored: stored),
            twoFactorRequired: settings.first { $0.id == StaffAccounts.twoFactorRequiredKey }?.value == "on")
    }

    /// Every role's rights as they are now.
    public func all() async throws -> [StaffRole: Set<StaffPermission>] {
        let settings = try await SettingRecord.query(on: context.database).filter(\.$id ~~ StaffRole.allCases.map(Self.key)).all()
        let stored = Dictionary(uniqueKeysWithValues: settings.map { ($0.id!, $0.value) })
        return Dictionary(uniqueKeysWithValues: StaffRole.allCases.map { ($0, Self.permissions($0, stored: stored[Self.key($0)])) })
    }

    static func permissions(_ role: StaffRole, stored: String?) -> Set<StaffPermission> {
        guard role != .administrator, let stored else { return role.permissions }
        return Set(stored.split(separator: " ").compactMap { StaffPermission(rawValue: String($0)) })
    }

    /// Gives a role these rights (`nil`: its built-in set again).
    public func set(_ role: StaffRole, permissions: Set<StaffPermission>?, caller: Caller) async throws {
        try caller.require(.manageStaff)
        guard role != .administrator else { throw StaffRoleError.administratorFixed }
        let wanted = permissions ?? role.permissions
        if let missing = wanted.subtracting(caller.staffRights).sorted(by: { $0.rawValue < $1.rawValue }).first {
            throw StaffRoleError.rightNotHeld(missing)
        }
        try await SettingRecord.store(
            [(Self.key(role), wanted.map(\.rawValue).sorted().joined(separator: " "))], on: context.database)
        context.log(.access).info(
            "staff role changed",
            metadata: ["role": .string(role.rawValue), "rights": .string(wanted.map(\.rawValue).sorted().joined(separator: ","))])
    }
}

extension StaffRoleError: Refusal {
    public var code: String {
        switch self {
        case .administratorFixed: "administrator_fixed"
        case .rightNotHeld: "right_not_held"
        }
    }

    public var status: RefusalStatus { .forbidden }

    public var textKey: String {
        switch self {
        case .administratorFixed: "error.staff_role.administrator_fixed"
        case .rightNotHeld: "error.staff_role.right_not_held"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        if case .rightNotHeld(let permission) = self { return ["right": .key("admin.permission." + permission.rawValue)] }
        return [:]
    }
}
