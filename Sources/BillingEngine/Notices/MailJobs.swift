import BillingDomain
import BillingStore
import FluentKit
import Foundation
import Messaging

/// The payload of a `mail.send` job: which message of the outbox to send.
struct MailJob: Codable, Sendable {
    let messageID: UUID
}

/// Sends one message of the outbox through the installation's mail channel (`EngineContext.mail`).
///
/// A message with a secret link (a sign-up or password-reset link) is stored with a placeholder;
/// the token is made here, its digest committed before the message leaves, and the token itself
/// exists only in the e-mail: the outbox page, a database dump and the logs never hold a usable
/// link. A retry makes a new token (the undelivered one just expires). The Message-ID is the same
/// on every attempt, so a message the relay took before a crash is recognisable as one message.
/// The retry ladder is the job kind's; a permanent refusal (a 5xx) is not retried.
struct MailJobs: Sendable {
    let context: EngineContext

    func run(_ job: MailJob, attempt: Int) async throws -> JobResult {
        guard let message = try await OutboxEmailRecord.find(job.messageID, on: context.database), message.status != .sent else {
            return .done
        }
        let host = URL(string: context.provider.baseURL)?.host ?? "localhost"
        let messageID = message.messageID ?? "<\(message.id!.uuidString.lowercased())@\(host)>"
        guard let sender = context.mail else {
            return failed(
                message, messageID: messageID, attempt: attempt, reason: "no mail channel is configured (SMTP_URL)", permanent: false)
        }
        var body = message.body
        if let link = message.link {
            guard let userID = message.linkUserID, let token = try await issue(link, for: userID) else {
                return failed(
                    message, messageID: messageID, attempt: attempt, reason: "the user is gone or disabled: no link was made",
                    permanent: true)
            }
            body = body.replacingOccurrences(of: MailLink.placeholder, with: token)
        }
        var attachments: [EmailAttachment] = []
        if message.attachment == .personalData {
            guard let userID = message.linkUserID, let csv = try await PersonalData(context: context).csv(userID: userID) else {
                return failed(
                    message, messageID: messageID, attempt: attempt, reason: "the user is gone: no export was made", permanent: true)
            }
            attachments.append(EmailAttachment(filename: "personal-data.csv", contentType: "text/csv; charset=utf-8", data: csv))
        }
        let email = EmailMessage(
            from: sender.from, to: message.recipient, subject: message.subject, text: body, attachments: attachments,
            messageID: messageID, date: context.clock.now, language: message.language ?? context.provider.defaultLanguage)
        do {
            try await sender.channel.deliver(email)
        } catch {
            let permanent = (error as? DeliveryError)?.isPermanent ?? false
            return failed(message, messageID: messageID, attempt: attempt, reason: String(describing: error), permanent: permanent)
        }
        let id = message.id!
        let log = context.log(.mail)
        return JobResult(outcome: .done) { ctx in
            try await OutboxEmailRecord.query(on: ctx.database).filter(\.$id == id)
                .set(\.$status, to: .sent).set(\.$sentAt, to: ctx.clock.now).set(\.$attempts, to: attempt)
                .set(\.$messageID, to: messageID).set(\.$lastError, to: nil).update()
            log.info("mail sent", metadata: ["message_id": .string(messageID), "attempt": .stringConvertible(attempt)])
        }
    }

    /// A new token for the link, its digest stored (committed before the e-mail leaves); `nil`
    /// when the user (or member of staff) is gone or disabled.
    private func issue(_ link: MailLink, for userID: UUID) async throws -> String? {
        let db = context.database
        switch link {
        case .staffSignIn:
            guard let staff = try await StaffUserRecord.find(userID, on: db), staff.enabled else { return nil }
            return try await SignInLinks(context: context).issue(realm: .staff, principalID: userID, on: db)
        case .signIn:
            guard let user = try await UserRecord.find(userID, on: db), user.enabled else { return nil }
            return try await SignInLinks(context: context).issue(realm: .client, principalID: userID, on: db)
        case .invitation:
            return try await AccountUsers(context: context).issueInvitation(for: userID, on: db)
        case .staffInvitation:
            return try await StaffInvitations(context: context).issue(for: userID, on: db)
        case .emailConfirmation:
            return try await AlternativeEmails(context: context).issueConfirmation(for: userID, on: db)
        case .passwordReset, .signUpConfirmation:
            guard let user = try await UserRecord.find(userID, on: db), user.enabled else { return nil }
            let token = SecretToken.generate()
            let now = context.clock.now
            let (digest, lifetime) =
                link == .passwordReset
                ? (SecretToken.digest(token), PasswordResets.lifetime)
                : (AccountRegistration.confirmationDigest(token), AccountRegistration.confirmationLifetime)
            try await PasswordResetRecord(userID: user.id!, tokenHash: digest, expiresAt: now.addingTimeInterval(lifetime), createdAt: now)
                .create(on: db)
            return token
        }
    }

    /// A failed attempt: the message shows why; when the job gives up, the message is failed.
    private func failed(_ message: OutboxEmailRecord, messageID: String, attempt: Int, reason: String, permanent: Bool) -> JobResult {
        let id = message.id!
        let text = String(reason.prefix(500))
        let log = context.log(.mail)
        return JobResult(
            outcome: .failure(text, permanent: permanent),
            apply: { ctx in
                try await OutboxEmailRecord.query(on: ctx.database).filter(\.$id == id)
                    .set(\.$attempts, to: attempt).set(\.$messageID, to: messageID).set(\.$lastError, to: text).update()
                log.warning("mail not sent", metadata: ["message_id": .string(messageID), "attempt": .stringConvertible(attempt)])
            },
            giveUp: { ctx in
                try await OutboxEmailRecord.query(on: ctx.database).filter(\.$id == id).set(\.$status, to: .failed).update()
            })
    }
}
