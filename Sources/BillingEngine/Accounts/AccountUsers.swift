import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// What the form of a user of the account holds (ACC-3): who they are and what they may do.
public struct AccountUserForm: Sendable, Equatable {
    public var email: String
    public var name: String
    public var phone: String
    /// Every right there is (and so the right to give every right).
    public var fullAccess: Bool
    /// The rights, when not `fullAccess`.
    public var rights: Set<ClientRight>

    public init(email: String = "", name: String, phone: String = "", fullAccess: Bool = false, rights: Set<ClientRight> = []) {
        self.email = email
        self.name = name
        self.phone = phone
        self.fullAccess = fullAccess
        self.rights = rights
    }

    /// The rights the form asks for.
    var requestedRights: Set<ClientRight> { fullAccess ? Set(ClientRight.allCases) : rights }
}

/// Why a change to the account's users was refused; each case has a text in every language
/// (`error.users.*`).
public enum AccountUserError: Error, Equatable, Sendable {
    case invalidEmail
    case nameRequired
    case invalidPhone
    /// The address already belongs to a user (of this account or another).
    case emailTaken
    /// A right the caller does not hold cannot be given (nor taken from someone else).
    case rightNotHeld(ClientRight)
    /// The owner has every right and stays: removed only through the provider (seed 002).
    case ownerProtected
    /// Nobody disables, deletes or changes the rights of themselves.
    case notYourself
    case notFound
    /// The user already set a password: there is no invitation to send again.
    case invitationAccepted
}

/// The invitation of a user, as its page and the API see it.
public enum InvitationError: Error, Equatable, Sendable {
    /// Unknown, used or expired: one answer for all three.
    case invalidOrExpiredLink
    case password(PasswordError)
}

/// The users of a client account (ACC-3, ACC-8): the owner, and the users the owner (or a user
/// with the right to manage users) invites with a subset of the rights. Every call takes the
/// caller, checks `users.manage` and that the user belongs to the caller's account; a right the
/// caller does not hold can neither be given nor taken away.
public struct AccountUsers: Sendable {
    let context: EngineContext
    /// How long an invitation link works.
    public static let invitationLifetime: TimeInterval = 72 * 3600

    public init(context: EngineContext) { self.context = context }

    /// The account's users, the owner first, then by when they were added; deleted users are gone.
    public func list(caller: Caller) async throws -> [ClientUser] {
        let account = try caller.account(for: .users)
        return try await UserRecord.query(on: context.database).filter(\.$accountID == account.id).filter(\.$deletedAt == nil)
            .sort(\.$isOwner, .descending).sort(\.$createdAt).sort(\.$id).all().map(ClientUser.init)
    }

    public func user(_ id: UUID, caller: Caller) async throws -> ClientUser {
        ClientUser(try await record(id, caller: caller, on: context.database))
    }

    /// Adds a user and e-mails them the invitation, where they choose their password. Answers the
    /// new user's id.
    public func invite(_ form: AccountUserForm, caller: Caller, language: Language) async throws -> UUID {
        let account = try caller.account(for: .users)
        guard let email = EmailAddress.normalized(form.email) else { throw AccountUserError.invalidEmail }
        let name = try Self.validName(form.name)
        let phone = try Self.validPhone(form.phone)
        let rights = form.requestedRights
        if let missing = rights.subtracting(caller.clientRights).sorted().first { throw AccountUserError.rightNotHeld(missing) }
        let now = context.clock.now
        // Nobody knows this password: the invited user sets theirs on the invitation's page.
        let unusable = try await context.passwords.hash(SecretToken.generate())
        let user = UserRecord(
            accountID: account.id, email: email, name: name, passwordHash: unusable, isOwner: false, phone: phone,
            language: language, createdAt: now)
        user.rights = ClientRight.stored(rights)
        user.invitedBy = caller.initiator.userID
        try await context.database.transaction { db in
            guard try await UserRecord.query(on: db).filter(\.$email == email).first() == nil else { throw AccountUserError.emailTaken }
            try await user.create(on: db)
            try await invitationMail(to: user, account: account, invitedBy: caller, on: db)
        }
        return user.id!
    }

    /// Sends the invitation again (the first one expired or went astray); earlier links still work
    /// until they expire.
    public func resendInvitation(_ id: UUID, caller: Caller) async throws {
        let account = try caller.account(for: .users)
        try await context.database.transaction { db in
            let user = try await record(id, caller: caller, on: db)
            guard user.emailConfirmedAt == nil, !user.isOwner else { throw AccountUserError.invitationAccepted }
            try await invitationMail(to: user, account: account, invitedBy: caller, on: db)
        }
    }

    /// Changes a user's name, phone and rights. The rights the caller does not hold stay as they
    /// were; asking to give one is refused.
    public func update(_ id: UUID, _ form: AccountUserForm, caller: Caller) async throws {
        _ = try caller.account(for: .users)
        let name = try Self.validName(form.name)
        let phone = try Self.validPhone(form.phone)
        try await context.database.transaction { db in
            let user = try await record(id, caller: caller, on: db)
            if !user.isOwner {
                let current = user.clientRights
                let requested = form.requestedRights
                if let missing = requested.subtracting(current).subtracting(caller.clientRights).sorted().first {
                    throw AccountUserError.rightNotHeld(missing)
                }
                let updated = requested.intersection(caller.clientRights).union(current.subtracting(caller.clientRights))
                if updated != current {
                    guard user.id != caller.initiator.userID else { throw AccountUserError.notYourself }
                    user.rights = ClientRight.stored(updated)
                }
            }
            user.name = name
            // A number changed by another user is no longer the one that was confirmed.
            if user.phone != phone { user.phoneConfirmedAt = nil }
            user.phone = phone
            try await user.save(on: db)
        }
    }

    /// Disables a user: their sessions end and their API tokens stop working at once; enabling
    /// lets them log in again with the password they had.
    public func setEnabled(_ id: UUID, _ enabled: Bool, caller: Caller) async throws {
        _ = try caller.account(for: .users)
        try await context.database.transaction { db in
            let user = try await changeable(id, caller: caller, on: db)
            user.enabled = enabled
            try await user.save(on: db)
            if !enabled { try await closeEveryDoor(of: user.id!, on: db) }
        }
    }

    /// Deletes a user: they stay in the history under their name, never log in again, and their
    /// address is free for a new invitation.
    public func delete(_ id: UUID, caller: Caller) async throws {
        _ = try caller.account(for: .users)
        let now = context.clock.now
        try await context.database.transaction { db in
            let user = try await changeable(id, caller: caller, on: db)
            user.deletedAt = now
            user.enabled = false
            user.email = "deleted." + user.id!.uuidString.lowercased() + "@users.invalid"
            try await user.save(on: db)
            try await closeEveryDoor(of: user.id!, on: db)
            try await PasswordResetRecord.query(on: db).filter(\.$userID == user.id!).filter(\.$usedAt == nil)
                .set(\.$usedAt, to: now).update()
        }
    }

    // MARK: The invitation's page

    /// Invitation links share the table of reset links under a prefix of their own, so an
    /// invitation never opens another link's form, nor another link this one's.
    static func invitationDigest(_ token: String) -> String { SecretToken.digest("invite:" + token) }

    /// Whether an invitation link works, to show its form or the "expired" page.
    public func isUsableInvitation(token: String) async throws -> Bool {
        try await usableInvitation(token, on: context.database) != nil
    }

    /// Follows the invitation: the invited user sets a password, the address counts as confirmed
    /// (the link came to it), and the caller signs them in. Answers the user's id.
    public func acceptInvitation(token: String, password: String) async throws -> UUID {
        do { try PasswordPolicy.check(password) } catch { throw InvitationError.password(error) }
        guard try await usableInvitation(token, on: context.database) != nil else { throw InvitationError.invalidOrExpiredLink }
        let hash = try await context.passwords.hash(password)
        let now = context.clock.now
        return try await context.database.transaction { db in
            guard let link = try await usableInvitation(token, on: db), let user = try await UserRecord.find(link.userID, on: db),
                user.enabled, user.deletedAt == nil, user.emailConfirmedAt == nil
            else { throw InvitationError.invalidOrExpiredLink }
            try await PasswordResetRecord.query(on: db).filter(\.$userID == user.id!).filter(\.$usedAt == nil)
                .set(\.$usedAt, to: now).update()
            user.emailConfirmedAt = now
            user.passwordHash = hash
            try await user.save(on: db)
            return user.id!
        }
    }

    /// Makes an invitation link's token and stores its digest (the mail job, when it sends the
    /// message); `nil` when the user accepted already, or is gone or disabled.
    func issueInvitation(for userID: UUID, on db: any Database) async throws -> String? {
        guard let user = try await UserRecord.find(userID, on: db), user.enabled, user.deletedAt == nil, user.emailConfirmedAt == nil
        else { return nil }
        let token = SecretToken.generate()
        let now = context.clock.now
        try await PasswordResetRecord(
            userID: userID, tokenHash: Self.invitationDigest(token), expiresAt: now.addingTimeInterval(Self.invitationLifetime),
            createdAt: now
        ).create(on: db)
        return token
    }

    // MARK: Helpers

    private func usableInvitation(_ token: String, on db: any Database) async throws -> PasswordResetRecord? {
        guard !token.isEmpty, token.count <= 100,
            let record = try await PasswordResetRecord.query(on: db).filter(\.$tokenHash == Self.invitationDigest(token)).first(),
            record.usedAt == nil, record.expiresAt > context.clock.now
        else { return nil }
        return record
    }

    private func invitationMail(to user: UserRecord, account: Account, invitedBy caller: Caller, on db: any Database) async throws {
        let inviter =
            if let id = caller.initiator.userID, let record = try await UserRecord.find(id, on: db) { record.name } else { account.name }
        let language = user.language ?? context.provider.defaultLanguage
        let arguments = [
            "name": user.name, "inviter": inviter, "account": account.name, "provider": context.provider.name, "hours": "72",
            "link": context.links.url(MailLink.invitation)
        ]
        try await context.outbox.enqueue(
            to: user.email, subject: context.texts.text("email.invitation.subject", language, arguments),
            body: context.texts.text("email.invitation.body", language, arguments), category: .security, accountID: account.id,
            language: language, link: Outbox.Link(kind: .invitation, userID: user.id!), on: db)
    }

    /// A user of the caller's account who is not deleted; another account's user is "not found".
    private func record(_ id: UUID, caller: Caller, on db: any Database) async throws -> UserRecord {
        let account = try caller.account(for: .users)
        guard let user = try await UserRecord.find(id, on: db), user.accountID == account.id, user.deletedAt == nil else {
            throw AccountUserError.notFound
        }
        return user
    }

    /// A user the caller may disable or delete: not the owner, not the caller.
    private func changeable(_ id: UUID, caller: Caller, on db: any Database) async throws -> UserRecord {
        let user = try await record(id, caller: caller, on: db)
        guard !user.isOwner else { throw AccountUserError.ownerProtected }
        guard user.id != caller.initiator.userID else { throw AccountUserError.notYourself }
        return user
    }

    /// Ends the user's sessions, forgets their browsers and revokes their API tokens.
    private func closeEveryDoor(of userID: UUID, on db: any Database) async throws {
        try await WebSessions(context: context).endAll(principalID: userID, realm: .client, on: db)
        try await TrustedDevices(context: context).forgetAll(realm: .client, principalID: userID, on: db)
        try await APITokenRecord.query(on: db).filter(\.$userID == userID).filter(\.$revokedAt == nil)
            .set(\.$revokedAt, to: context.clock.now).update()
    }

    static func validName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200, !name.hasControlCharacters() else { throw AccountUserError.nameRequired }
        return name
    }

    static func validPhone(_ raw: String) throws -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        guard let phone = PhoneNumber.normalized(trimmed) else { throw AccountUserError.invalidPhone }
        return phone
    }
}

extension AccountUserError: Refusal {
    public var code: String {
        switch self {
        case .invalidEmail: "invalid_email"
        case .nameRequired: "name_required"
        case .invalidPhone: "invalid_phone"
        case .emailTaken: "email_taken"
        case .rightNotHeld: "right_not_held"
        case .ownerProtected: "owner_protected"
        case .notYourself: "not_yourself"
        case .notFound: "not_found"
        case .invitationAccepted: "invitation_accepted"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .notFound: .notFound
        case .rightNotHeld, .ownerProtected, .notYourself: .forbidden
        case .emailTaken, .invitationAccepted: .conflict
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .invalidEmail: "error.signup.invalidEmail"
        case .nameRequired: "error.signup.nameRequired"
        case .invalidPhone: "error.users.invalid_phone"
        case .emailTaken: "error.users.email_taken"
        case .rightNotHeld: "error.users.right_not_held"
        case .ownerProtected: "error.users.owner_protected"
        case .notYourself: "error.users.not_yourself"
        case .notFound: "error.users.not_found"
        case .invitationAccepted: "error.users.invitation_accepted"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        if case .rightNotHeld(let right) = self { return ["right": .key("right." + right.rawValue)] }
        return [:]
    }
}

extension InvitationError: LinkFormRefusal {
    public static let expiredTextKey = "invitation.expired"
    public var passwordViolation: PasswordError? {
        if case .password(let violation) = self { violation } else { nil }
    }
}
