import BillingDomain
import BillingEngine
import Vapor

/// The account's users and their rights (ACC-3, ACC-8): list, invite, edit, disable, enable,
/// delete, send the invitation again. Every call goes through `AccountUsers` with the caller.
struct AccountUsersController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.accountUsers, use: list)
        routes.get(SiteURL.accountUserNew, use: newForm)
        routes.post(SiteURL.accountUserNew, use: invite)
        routes.get(SiteURL.accountUser(.key), use: show)
        routes.post(SiteURL.accountUser(.key), use: update)
        for action in UserAction.allCases {
            routes.post(SiteURL.accountUserAction(.key, action)) { req in try await perform(action, req: req) }
        }
    }

    func list(req: Request) async throws -> Response {
        let users = try await AccountUsers(context: req.engine).list(caller: try req.client.caller)
        return AccountPages.list(try await PageContext.client(req), users: users).response()
    }

    func newForm(req: Request) async throws -> Response {
        let caller = try req.client.caller
        return AccountPages.newUser(try await PageContext.client(req), values: AccountUserForm(name: ""), grantable: caller.clientRights)
            .response()
    }

    func invite(req: Request) async throws -> Response {
        let caller = try req.client.caller
        let form = try Self.form(req)
        do {
            // The invitation is in the invited user's language: the inviter's, until they choose.
            let id = try await AccountUsers(context: req.engine).invite(form, caller: caller, language: req.language)
            return req.redirect(to: SiteURL.accountUser(.value(id)).notice("user_invited"))
        } catch let error as AccountUserError where error != .notFound {
            let page = try await PageContext.client(req)
            return AccountPages.newUser(page, values: form, grantable: caller.clientRights, error: page.message(error))
                .response(status: HTTPStatus(error.status))
        }
    }

    func show(req: Request) async throws -> Response {
        let caller = try req.client.caller
        let user = try await AccountUsers(context: req.engine).user(try req.parameters.require("userID", as: UUID.self), caller: caller)
        return AccountPages.user(
            try await PageContext.client(req), user: user, values: Self.values(of: user), grantable: caller.clientRights
        )
        .response()
    }

    func update(req: Request) async throws -> Response {
        let caller = try req.client.caller
        let id = try req.parameters.require("userID", as: UUID.self)
        let users = AccountUsers(context: req.engine)
        let form = try Self.form(req)
        do {
            try await users.update(id, form, caller: caller)
            return req.redirect(to: SiteURL.accountUser(.value(id)).notice("user_saved"))
        } catch let error as AccountUserError where error != .notFound {
            let user = try await users.user(id, caller: caller)
            let page = try await PageContext.client(req)
            return AccountPages.user(page, user: user, values: form, grantable: caller.clientRights, error: page.message(error))
                .response(status: HTTPStatus(error.status))
        }
    }

    func perform(_ action: UserAction, req: Request) async throws -> Response {
        let caller = try req.client.caller
        let id = try req.parameters.require("userID", as: UUID.self)
        let users = AccountUsers(context: req.engine)
        do {
            switch action {
            case .disable: try await users.setEnabled(id, false, caller: caller)
            case .enable: try await users.setEnabled(id, true, caller: caller)
            case .resend: try await users.resendInvitation(id, caller: caller)
            case .delete:
                try await users.delete(id, caller: caller)
                return req.redirect(to: SiteURL.accountUsers.notice("user_deleted"))
            }
            return req.redirect(to: SiteURL.accountUser(.value(id)).notice("user_" + action.rawValue))
        } catch let error as AccountUserError where error != .notFound {
            let user = try await users.user(id, caller: caller)
            let page = try await PageContext.client(req)
            return AccountPages.user(
                page, user: user, values: Self.values(of: user), grantable: caller.clientRights, error: page.message(error)
            )
            .response(status: HTTPStatus(error.status))
        }
    }

    /// The form as sent: each right is a checkbox of its own (`right.services.view`).
    static func form(_ req: Request) throws -> AccountUserForm {
        let fields = try req.content.decode([String: String].self)
        let rights = Set(ClientRight.allCases.filter { fields[AccountPages.fieldName($0)] != nil })
        return AccountUserForm(
            email: fields["email"] ?? "", name: fields["name"] ?? "", phone: fields["phone"] ?? "",
            fullAccess: fields["full_access"] != nil, rights: rights)
    }

    static func values(of user: ClientUser) -> AccountUserForm {
        AccountUserForm(
            email: user.email, name: user.name, phone: user.phone ?? "", fullAccess: user.fullAccess && !user.isOwner, rights: user.rights)
    }
}
