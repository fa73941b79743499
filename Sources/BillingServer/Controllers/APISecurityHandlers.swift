import BillingAPI
import BillingDomain
import BillingEngine
import Foundation

/// The API twins of the profile and the security page (ACC-2, ACC-4, ACC-5): the same
/// `AccountSecurity` and `TwoFactor` calls with the token's caller.
extension BillingAPIHandlers {
    func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        // A token has no browser session to keep: every session of the user ends.
        try await AccountSecurity(context: try request.engine).changePassword(
            current: body.currentPassword, new: body.newPassword, caller: try bearer.caller, keeping: nil)
        return .noContent(.init())
    }

    func listSessions(_ input: Operations.ListSessions.Input) async throws -> Operations.ListSessions.Output {
        let sessions = try await AccountSecurity(context: try request.engine).sessions(caller: try bearer.caller)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: sessions.map { session in
                            .init(
                                id: session.id.uuidString.lowercased(), userId: session.userID.uuidString.lowercased(),
                                userName: session.userName, startedAt: session.startedAt, lastSeenAt: session.lastSeenAt, ip: session.ip,
                                userAgent: session.userAgent, current: session.isCurrent)
                        }))))
    }

    func endSession(_ input: Operations.EndSession.Input) async throws -> Operations.EndSession.Output {
        guard let id = UUID(uuidString: input.path.sessionId) else { throw AccountSecurityError.notFound }
        try await AccountSecurity(context: try request.engine).endSession(id, caller: try bearer.caller)
        return .noContent(.init())
    }

    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        let tokens = try await AccountSecurity(context: try request.engine).tokens(caller: try bearer.caller)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: tokens.map { token in
                            .init(
                                id: token.id.uuidString.lowercased(), userId: token.userID.uuidString.lowercased(),
                                userName: token.userName,
                                name: token.name, scopes: token.scopes, createdAt: token.createdAt, expiresAt: token.expiresAt)
                        }))))
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        guard let id = UUID(uuidString: input.path.tokenId) else { throw AccountSecurityError.notFound }
        try await AccountSecurity(context: try request.engine).revokeToken(id, caller: try bearer.caller)
        return .noContent(.init())
    }

    func listLogins(_ input: Operations.ListLogins.Input) async throws -> Operations.ListLogins.Output {
        let events = try await AccountSecurity(context: try request.engine).history(caller: try bearer.caller)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: events.map { event in
                            .init(
                                at: event.at, userId: event.userID.uuidString.lowercased(), userName: event.userName, ip: event.ip,
                                userAgent: event.userAgent, channel: .init(rawValue: event.channel.rawValue) ?? .web,
                                outcome: .init(rawValue: event.outcome.rawValue) ?? .success)
                        }))))
    }

    func getAllowedNetworks(_ input: Operations.GetAllowedNetworks.Input) async throws -> Operations.GetAllowedNetworks.Output {
        let list = try await AccountSecurity(context: try request.engine).allowedNetworks(caller: try bearer.caller)
        return .ok(.init(body: .json(.init(networks: list.networks.map(\.description)))))
    }

    func setAllowedNetworks(_ input: Operations.SetAllowedNetworks.Input) async throws -> Operations.SetAllowedNetworks.Output {
        let req = try request
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let list = try await AccountSecurity(context: req.engine).setAllowedNetworks(
            body.networks.joined(separator: "\n"), confirmLockout: body.confirmLockout ?? false, ip: req.clientIP,
            caller: try bearer.caller)
        return .ok(.init(body: .json(.init(networks: list.networks.map(\.description)))))
    }

    func setCodeWord(_ input: Operations.SetCodeWord.Input) async throws -> Operations.SetCodeWord.Output {
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        try await AccountSecurity(context: try request.engine).setCodeWord(body.word, caller: try bearer.caller)
        return .noContent(.init())
    }

    func getTwoFactor(_ input: Operations.GetTwoFactor.Input) async throws -> Operations.GetTwoFactor.Output {
        let status = try await TwoFactor(context: try request.engine).status(realm: .client, principalID: try bearer.userID)
        return .ok(
            .init(body: .json(.init(enabled: status.enabled, recoveryCodesLeft: status.recoveryCodesLeft, enabledAt: status.enabledAt))))
    }

    func startTwoFactor(_ input: Operations.StartTwoFactor.Input) async throws -> Operations.StartTwoFactor.Output {
        let bearer = try bearer
        let enrolment = try await TwoFactor(context: try request.engine).begin(
            realm: .client, principalID: bearer.userID, label: bearer.person.email)
        return .created(.init(body: .json(.init(secret: enrolment.secret, uri: enrolment.uri))))
    }

    func confirmTwoFactor(_ input: Operations.ConfirmTwoFactor.Input) async throws -> Operations.ConfirmTwoFactor.Output {
        let req = try request
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let codes = try await TwoFactor(context: req.engine).confirm(
            realm: .client, principalID: try bearer.userID, code: body.code, ip: req.clientIP)
        return .ok(.init(body: .json(.init(recoveryCodes: codes))))
    }

    func disableTwoFactor(_ input: Operations.DisableTwoFactor.Input) async throws -> Operations.DisableTwoFactor.Output {
        let req = try request
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        try await TwoFactor(context: req.engine).disable(realm: .client, principalID: try bearer.userID, code: body.code, ip: req.clientIP)
        return .noContent(.init())
    }

    static func alternativeEmail(_ email: AlternativeEmail) -> Components.Schemas.AlternativeEmail {
        .init(
            id: email.id.uuidString.lowercased(), email: email.email, confirmed: email.confirmed,
            categories: AlternativeEmails.categories.filter(email.categories.contains).compactMap {
                Components.Schemas.CopiedCategory(rawValue: $0.rawValue)
            })
    }

    func resendEmailConfirmation(_ input: Operations.ResendEmailConfirmation.Input) async throws
        -> Operations.ResendEmailConfirmation.Output
    {
        guard let id = UUID(uuidString: input.path.emailId) else { throw AlternativeEmailError.notFound }
        try await AlternativeEmails(context: try request.engine).resendConfirmation(id, caller: try bearer.caller)
        return .accepted(.init())
    }

    static func categories(_ items: [Components.Schemas.CopiedCategory]) -> Set<MailCategory> {
        Set(items.compactMap { MailCategory(rawValue: $0.rawValue) })
    }

    func listEmails(_ input: Operations.ListEmails.Input) async throws -> Operations.ListEmails.Output {
        let emails = try await AlternativeEmails(context: try request.engine).list(caller: try bearer.caller)
        return .ok(.init(body: .json(.init(items: emails.map(Self.alternativeEmail)))))
    }

    func addEmail(_ input: Operations.AddEmail.Input) async throws -> Operations.AddEmail.Output {
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let email = try await AlternativeEmails(context: try request.engine).add(
            body.email, categories: Self.categories(body.categories), caller: try bearer.caller)
        return .created(.init(body: .json(Self.alternativeEmail(email))))
    }

    func setEmailCategories(_ input: Operations.SetEmailCategories.Input) async throws -> Operations.SetEmailCategories.Output {
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        guard let id = UUID(uuidString: input.path.emailId) else { throw AlternativeEmailError.notFound }
        try await AlternativeEmails(context: try request.engine).setCategories(
            id, Self.categories(body.categories), caller: try bearer.caller)
        return .noContent(.init())
    }

    func removeEmail(_ input: Operations.RemoveEmail.Input) async throws -> Operations.RemoveEmail.Output {
        guard let id = UUID(uuidString: input.path.emailId) else { throw AlternativeEmailError.notFound }
        try await AlternativeEmails(context: try request.engine).remove(id, caller: try bearer.caller)
        return .noContent(.init())
    }
}
