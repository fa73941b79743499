import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Testing

/// The account's users (ACC-3, ACC-8): invitations, rights no one can widen past their own,
/// the owner who stays, and a disabled or deleted user who is shut out at once.
@Suite("Users of an account and their rights")
struct AccountUsersTests {
    /// The owner as the session hands them to the engine: the owner's user id, every right.
    func owner(_ app: TestEngine, _ registered: AccountRegistration.Registered) async throws -> Caller {
        .user(registered.userID, of: try await app.account(registered.accountID), rights: Set(ClientRight.allCases))
    }

    func caller(_ app: TestEngine, _ userID: UUID) async throws -> Caller {
        let user = try #require(try await UserRecord.find(userID, on: app.db))
        return .user(userID, of: try await app.account(user.accountID), rights: user.clientRights)
    }

    @Test func anInvitedUserSetsAPasswordThroughTheMailedLinkOnceAndLogsIn() async throws {
        try await TestEngine.run { app, clock in
            let anna = try await app.signUpClient()
            let users = AccountUsers(context: app.engine)
            let id = try await users.invite(
                AccountUserForm(
                    email: " Olga@Example.com ", name: "Olga Bookkeeper", phone: "+380 (44) 123-45-67",
                    rights: [.viewFinance, .documents]),
                caller: try await owner(app, anna), language: .uk)
            let olga = try await users.user(id, caller: try await owner(app, anna))
            #expect(olga.email == "olga@example.com")
            #expect(olga.phone == "+380441234567")
            #expect(olga.rights == [.viewFinance, .documents])
            #expect(olga.invitationPending)
            #expect(!olga.isOwner)

            // The invitation is in Ukrainian and names who invited; until it is used, no password works.
            let mail = try #require(try await app.deliveredMail(to: "olga@example.com").first)
            #expect(mail.subject == "Anna Client запрошує вас до акаунта Anna Client у Demo Hosting")
            let token = try #require(try await app.mailedTokens(to: "olga@example.com", path: "/invite/").first)
            #expect(try await users.isUsableInvitation(token: token))
            await #expect(throws: InvitationError.password(.tooShort(minimum: 12))) {
                try await users.acceptInvitation(token: token, password: "short")
            }
            #expect(try await users.acceptInvitation(token: token, password: "olga's own password") == id)
            await #expect(throws: InvitationError.invalidOrExpiredLink) {
                try await users.acceptInvitation(token: token, password: "another password 2")
            }
            let login = try await Authentication(context: app.engine).login(
                realm: .client, email: "olga@example.com", password: "olga's own password", ip: "10.0.0.9")
            #expect(login.id == id)
            #expect(try await users.user(id, caller: try await owner(app, anna)).invitationPending == false)

            // A link that waited 72 hours no longer works.
            let late = try await users.invite(
                AccountUserForm(email: "late@example.com", name: "Late"), caller: try await owner(app, anna), language: .en)
            let lateToken = try #require(try await app.mailedTokens(to: "late@example.com", path: "/invite/").first)
            clock.advance(by: 72 * 3600 + 1)
            #expect(try await !users.isUsableInvitation(token: lateToken))
            await #expect(throws: InvitationError.invalidOrExpiredLink) {
                try await users.acceptInvitation(token: lateToken, password: "late password 12")
            }
            // The owner sends it again; the new link works.
            try await users.resendInvitation(late, caller: try await owner(app, anna))
            // (The queue sends in any order: the new link is the one that is not the first.)
            let links = try await app.mailedTokens(to: "late@example.com", path: "/invite/")
            #expect(links.count == 2)
            let fresh = try #require(links.first { $0 != lateToken })
            #expect(try await users.acceptInvitation(token: fresh, password: "late password 12") == late)
            await #expect(throws: AccountUserError.invitationAccepted) {
                try await users.resendInvitation(late, caller: try await owner(app, anna))
            }
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        try await TestEngine.run { app, _ in
            let anna = try await app.signUpClient()
            try await app.signUpClient(email: "boris@example.com")
            let users = AccountUsers(context: app.engine)
            let owner = try await owner(app, anna)
            await #expect(throws: AccountUserError.invalidEmail) {
                try await users.invite(AccountUserForm(email: "not-an-address", name: "X"), caller: owner, language: .en)
            }
            await #expect(throws: AccountUserError.nameRequired) {
                try await users.invite(AccountUserForm(email: "x@example.com", name: "  "), caller: owner, language: .en)
            }
            await #expect(throws: AccountUserError.invalidPhone) {
                try await users.invite(AccountUserForm(email: "x@example.com", name: "X", phone: "12345"), caller: owner, language: .en)
            }
            // Another account's address is taken too (an address logs in to one account).
            await #expect(throws: AccountUserError.emailTaken) {
                try await users.invite(AccountUserForm(email: "BORIS@example.com", name: "Boris"), caller: owner, language: .en)
            }
            #expect(try await UserRecord.query(on: app.db).count() == 2)
            #expect(try await OutboxEmailRecord.query(on: app.db).filter(\.$recipient == "x@example.com").count() == 0)
        }
    }

    @Test func nobodyGivesARightTheyDoNotHoldNorTakesOneAway() async throws {
        try await TestEngine.run { app, _ in
            let anna = try await app.signUpClient()
            let users = AccountUsers(context: app.engine)
            let owner = try await owner(app, anna)
            // Igor manages users and sees services; Petra pays and sees finances.
            let igor = try await users.invite(
                AccountUserForm(email: "igor@example.com", name: "Igor", rights: [.users, .viewServices]), caller: owner, language: .en)
            let petra = try await users.invite(
                AccountUserForm(email: "petra@example.com", name: "Petra", rights: [.pay, .viewFinance]), caller: owner, language: .en)
            let asIgor = try await caller(app, igor)

            await #expect(throws: AccountUserError.rightNotHeld(.pay)) {
                try await users.invite(
                    AccountUserForm(email: "new@example.com", name: "New", rights: [.viewServices, .pay]), caller: asIgor, language: .en)
            }
            await #expect(throws: AccountUserError.rightNotHeld(.documents)) {
                try await users.invite(
                    AccountUserForm(email: "new@example.com", name: "New", fullAccess: true), caller: asIgor, language: .en)
            }
            // Igor gives Petra what he holds; her finance rights, which he lacks, stay.
            try await users.update(petra, AccountUserForm(name: "Petra K.", rights: [.viewServices]), caller: asIgor)
            let changed = try await users.user(petra, caller: owner)
            #expect(changed.rights == [.viewServices, .pay, .viewFinance])
            #expect(changed.name == "Petra K.")
            // He can take away only what he holds.
            try await users.update(petra, AccountUserForm(name: "Petra K.", rights: []), caller: asIgor)
            #expect(try await users.user(petra, caller: owner).rights == [.pay, .viewFinance])
            // Nobody widens their own rights, and the owner keeps all of them.
            await #expect(throws: AccountUserError.notYourself) {
                try await users.update(igor, AccountUserForm(name: "Igor", rights: [.users]), caller: asIgor)
            }
            try await users.update(anna.userID, AccountUserForm(name: "Anna Client", rights: []), caller: asIgor)
            #expect(try await users.user(anna.userID, caller: owner).fullAccess)
            // Without users.manage nothing of this is open.
            let asPetra = try await caller(app, petra)
            await #expect(throws: PlainRefusal.forbidden) { try await users.list(caller: asPetra) }
        }
    }

    @Test func theOwnerStaysAndAnotherAccountsUserIsNotFound() async throws {
        try await TestEngine.run { app, _ in
            let anna = try await app.signUpClient()
            let boris = try await app.signUpClient(email: "boris@example.com")
            let users = AccountUsers(context: app.engine)
            let owner = try await owner(app, anna)
            let igor = try await users.invite(
                AccountUserForm(email: "igor@example.com", name: "Igor", fullAccess: true), caller: owner, language: .en)
            let asIgor = try await caller(app, igor)
            await #expect(throws: AccountUserError.ownerProtected) { try await users.setEnabled(anna.userID, false, caller: asIgor) }
            await #expect(throws: AccountUserError.ownerProtected) { try await users.delete(anna.userID, caller: asIgor) }
            await #expect(throws: AccountUserError.notYourself) { try await users.delete(igor, caller: asIgor) }
            await #expect(throws: AccountUserError.notFound) { try await users.user(boris.userID, caller: owner) }
            await #expect(throws: AccountUserError.notFound) { try await users.setEnabled(boris.userID, false, caller: owner) }
            let borisUser = try #require(try await UserRecord.find(boris.userID, on: app.db))
            #expect(borisUser.enabled)
        }
    }

    @Test func aDisabledUserIsShutOutAtOnceAndADeletedOneForGood() async throws {
        try await TestEngine.run { app, _ in
            let anna = try await app.signUpClient()
            let users = AccountUsers(context: app.engine)
            let owner = try await owner(app, anna)
            let igor = try await users.invite(
                AccountUserForm(email: "igor@example.com", name: "Igor", rights: [.viewServices]), caller: owner, language: .en)
            let token = try #require(try await app.mailedTokens(to: "igor@example.com", path: "/invite/").first)
            _ = try await users.acceptInvitation(token: token, password: "igor password 12")
            let sessions = WebSessions(context: app.engine)
            let cookie = try await sessions.start(realm: .client, principalID: igor, ip: "10.0.0.5", userAgent: "Firefox")
            let issued = try await APITokens(context: app.engine).issue(
                email: "igor@example.com", password: "igor password 12", name: "cli", scopes: nil, ip: "10.0.0.5")

            try await users.setEnabled(igor, false, caller: owner)
            #expect(try await sessions.resolveClient(token: cookie) == nil)
            #expect(try await APITokens(context: app.engine).authenticate(issued.token) == nil)
            await #expect(throws: LoginError.disabled) {
                try await Authentication(context: app.engine).login(
                    realm: .client, email: "igor@example.com", password: "igor password 12", ip: "10.0.0.5")
            }
            try await users.setEnabled(igor, true, caller: owner)
            _ = try await Authentication(context: app.engine).login(
                realm: .client, email: "igor@example.com", password: "igor password 12", ip: "10.0.0.5")

            try await users.delete(igor, caller: owner)
            #expect(try await users.list(caller: owner).map(\.name) == ["Anna Client"])
            await #expect(throws: LoginError.invalidCredentials) {
                try await Authentication(context: app.engine).login(
                    realm: .client, email: "igor@example.com", password: "igor password 12", ip: "10.0.0.6")
            }
            // The address is free again; the deleted user stays in the table for the history.
            _ = try await users.invite(AccountUserForm(email: "igor@example.com", name: "Igor again"), caller: owner, language: .en)
            #expect(try await UserRecord.query(on: app.db).filter(\.$accountID == anna.accountID).count() == 3)
        }
    }
}
