import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// A member of staff invited by e-mail (ADM-1): the administrator gives the address, name and
/// role, never a password; the member opens the single-use link (72 hours) and chooses theirs.
/// The link's token is made by the mail job and kept as a digest among the sign-in links
/// (`realm` `staff_invitation`), good only while the member has never logged in.
public struct StaffInvitations: Sendable {
    let context: EngineContext
    static let realm = "staff_invitation"
    public static let lifetime: TimeInterval = 72 * 3600

    public init(context: EngineContext) { self.context = context }

    static func digest(_ token: String) -> String { SecretToken.digest("staffinvite:" + token) }

    /// Adds the member with no usable password and e-mails them the link.
    @discardableResult
    public func invite(email: String, name: String, role: StaffRole, caller: Caller) async throws -> UUID {
        try caller.require(.manageStaff)
        // The member and the message that invites them exist together or not at all.
        return try await context.database.transaction { db in
            let ctx = context.on(db)
            let id = try await StaffAccounts(context: ctx).add(email: email, name: name, password: nil, role: role, caller: caller)
            guard let member = try await StaffUserRecord.find(id, on: db) else { throw StaffAccountError.notFound }
            let language = context.provider.defaultLanguage
            let arguments = [
                "name": member.name, "provider": context.provider.name, "link": context.links.url(MailLink.staffInvitation)
            ]
            try await ctx.outbox.enqueue(
                to: member.email, subject: context.texts.text("email.staff_invitation.subject", language, arguments),
                body: context.texts.text("email.staff_invitation.body", language, arguments), category: .security, accountID: nil,
                language: language, link: Outbox.Link(kind: .staffInvitation, userID: id), on: db)
            return id
        }
    }

    /// A new token for the member's link (the mail job); `nil` once they have logged in, or
    /// when they are gone or disabled.
    func issue(for staffID: UUID, on db: any Database) async throws -> String? {
        guard let member = try await StaffUserRecord.find(staffID, on: db), member.enabled, member.lastLoginAt == nil else { return nil }
        let token = SecretToken.generate()
        let now = context.clock.now
        try await SignInLinkRecord(
            realm: Self.realm, principalID: staffID, tokenHash: Self.digest(token), expiresAt: now.addingTimeInterval(Self.lifetime),
            createdAt: now
        ).create(on: db)
        return token
    }

    private func usable(_ token: String, on db: any Database) async throws -> SignInLinkRecord? {
        guard !token.isEmpty, token.count <= 100,
            let link = try await SignInLinkRecord.query(on: db).filter(\.$realm == Self.realm).filter(\.$tokenHash == Self.digest(token))
                .first(),
            link.usedAt == nil, link.expiresAt > context.clock.now,
            let member = try await StaffUserRecord.find(link.principalID, on: db), member.enabled, member.lastLoginAt == nil
        else { return nil }
        return link
    }

    public func isUsable(token: String) async throws -> Bool { try await usable(token, on: context.database) != nil }

    /// Sets the member's password from the link; every link of the member is spent.
    public func accept(token: String, password: String) async throws {
        do { try PasswordPolicy.check(password) } catch { throw InvitationError.password(error) }
        guard try await usable(token, on: context.database) != nil else { throw InvitationError.invalidOrExpiredLink }
        let hash = try await context.passwords.hash(password)
        let now = context.clock.now
        try await context.database.transaction { db in
            guard let link = try await usable(token, on: db), let member = try await StaffUserRecord.find(link.principalID, on: db) else {
                throw InvitationError.invalidOrExpiredLink
            }
            try await SignInLinkRecord.query(on: db).filter(\.$realm == Self.realm).filter(\.$principalID == member.id!)
                .filter(\.$usedAt == nil).set(\.$usedAt, to: now).update()
            member.passwordHash = hash
            try await member.save(on: db)
        }
    }
}
