import BillingAPI
import BillingDomain
import BillingEngine
import Foundation

/// The API twins of the users page (ACC-3): the same `AccountUsers` calls with the token's caller.
extension BillingAPIHandlers {
    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let users = try await AccountUsers(context: try request.engine).list(caller: try bearer.caller)
        return .ok(.init(body: .json(.init(items: users.map(Self.accountUser)))))
    }

    func inviteUser(_ input: Operations.InviteUser.Input) async throws -> Operations.InviteUser.Output {
        let req = try request
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let caller = try bearer.caller
        let users = AccountUsers(context: req.engine)
        let form = AccountUserForm(
            email: body.email, name: body.name, phone: body.phone ?? "", fullAccess: body.fullAccess ?? false,
            rights: Self.rights(body.rights ?? []))
        let id = try await users.invite(form, caller: caller, language: req.language)
        return .created(.init(body: .json(Self.accountUser(try await users.user(id, caller: caller)))))
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        let user = try await AccountUsers(context: try request.engine).user(try Self.userID(input.path.userId), caller: try bearer.caller)
        return .ok(.init(body: .json(Self.accountUser(user))))
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        let req = try request
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let caller = try bearer.caller
        let id = try Self.userID(input.path.userId)
        let users = AccountUsers(context: req.engine)
        let current = try await users.user(id, caller: caller)
        if body.name != nil || body.phone != nil || body.fullAccess != nil || body.rights != nil {
            let fullAccess = body.fullAccess ?? (body.rights == nil && current.fullAccess)
            let form = AccountUserForm(
                name: body.name ?? current.name, phone: body.phone ?? current.phone ?? "", fullAccess: fullAccess,
                rights: body.rights.map(Self.rights) ?? current.rights)
            try await users.update(id, form, caller: caller)
        }
        if let enabled = body.enabled, enabled != current.enabled { try await users.setEnabled(id, enabled, caller: caller) }
        return .ok(.init(body: .json(Self.accountUser(try await users.user(id, caller: caller)))))
    }

    func deleteUser(_ input: Operations.DeleteUser.Input) async throws -> Operations.DeleteUser.Output {
        try await AccountUsers(context: try request.engine).delete(try Self.userID(input.path.userId), caller: try bearer.caller)
        return .noContent(.init())
    }

    func resendInvitation(_ input: Operations.ResendInvitation.Input) async throws -> Operations.ResendInvitation.Output {
        try await AccountUsers(context: try request.engine).resendInvitation(try Self.userID(input.path.userId), caller: try bearer.caller)
        return .accepted(.init())
    }

    /// A path's user id; one that is not an id names nobody (404, like another account's user).
    static func userID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw AccountUserError.notFound }
        return id
    }

    static func rights(_ rights: [Components.Schemas.ClientRight]) -> Set<ClientRight> {
        Set(rights.compactMap { ClientRight(rawValue: $0.rawValue) })
    }

    static func accountUser(_ user: ClientUser) -> Components.Schemas.AccountUser {
        let status: Components.Schemas.AccountUser.StatusPayload =
            !user.enabled ? .disabled : (user.invitationPending ? .invited : .active)
        return .init(
            id: user.id.uuidString.lowercased(), email: user.email, name: user.name, phone: user.phone, isOwner: user.isOwner,
            status: status, fullAccess: user.fullAccess,
            rights: user.rights.sorted().compactMap { Components.Schemas.ClientRight(rawValue: $0.rawValue) },
            lastLoginAt: user.lastLoginAt, createdAt: user.createdAt)
    }
}
