import BillingDomain
import BillingStore
import Crypto
import FluentKit
import FluentSQL
import Foundation
import Messaging

/// A user's phone number and where its confirmation stands.
public struct PhoneStatus: Sendable, Equatable {
    public let number: String?
    public let confirmed: Bool
    /// The code waiting to be entered, if one was asked for and is still good.
    public let pending: PendingPhoneCode?
}

public struct PendingPhoneCode: Sendable, Equatable {
    public let purpose: PhoneCodePurpose
    /// Where the code went, masked (`+38••••••••67`).
    public let sentTo: String
    /// The number that replaces the confirmed one once the code is entered (`nil`: removed).
    public let newNumber: String?
    /// When the code stops working; `nil` while its message is still on its way.
    public let expiresAt: Date?
}

public enum PhoneError: Error, Equatable, Sendable {
    case invalidNumber
    /// No code is waiting, or it expired: ask for a new one.
    case noCode
    case wrongCode(remaining: Int)
    /// Codes are sent at most once a minute and five times an hour.
    case tooSoon
    case noNumber
}

/// The phone number of a user's own profile (ACC-2), confirmed by a six-digit code sent by SMS.
/// A number that is not confirmed can be changed freely and gets a code to confirm it; a confirmed
/// number is changed or removed only after a code sent to it (the old phone) is entered. A code is
/// good for ten minutes from when it was sent, once; five wrong tries spend it; a new code
/// replaces the last one; at most one code a minute and five an hour are sent.
public struct PhoneNumbers: Sendable {
    let context: EngineContext
    public static let codeLifetime: TimeInterval = 600
    public static let triesPerCode = 5
    static let sendsPerHour = 5
    static let secondsBetweenSends: TimeInterval = 60

    public init(context: EngineContext) { self.context = context }

    private func own(_ caller: Caller) async throws -> UserRecord {
        guard caller.account != nil, let id = caller.initiator.userID, let user = try await UserRecord.find(id, on: context.database)
        else { throw PlainRefusal.forbidden }
        return user
    }

    public func status(caller: Caller) async throws -> PhoneStatus {
        let user = try await own(caller)
        let open = try await openCode(userID: user.id!, on: context.database)
        return PhoneStatus(
            number: user.phone, confirmed: user.phone != nil && user.phoneConfirmedAt != nil,
            pending: open.map {
                PendingPhoneCode(
                    purpose: $0.purpose, sentTo: PhoneNumber.masked($0.phone), newNumber: $0.newPhone, expiresAt: $0.expiresAt)
            })
    }

    /// Sets the number. Unconfirmed (or none): it is saved and a code goes to it. Confirmed: a
    /// code goes to the confirmed number, and the change waits for it.
    public func set(_ raw: String, caller: Caller) async throws {
        guard let number = PhoneNumber.normalized(raw) else { throw PhoneError.invalidNumber }
        let user = try await own(caller)
        if user.phone == number, user.phoneConfirmedAt != nil { return }
        try await throttle(user.id!)
        try await context.database.transaction { db in
            if let confirmed = user.phone, user.phoneConfirmedAt != nil {
                try await issue(.release, to: confirmed, newPhone: number, user: user, on: db)
            } else {
                user.phone = number
                user.phoneConfirmedAt = nil
                try await user.save(on: db)
                try await issue(.confirm, to: number, newPhone: nil, user: user, on: db)
            }
        }
    }

    /// Removes the number: at once when it is not confirmed, after a code to it when it is.
    public func remove(caller: Caller) async throws {
        let user = try await own(caller)
        guard let number = user.phone else { throw PhoneError.noNumber }
        if user.phoneConfirmedAt == nil {
            try await context.database.transaction { db in
                user.phone = nil
                try await user.save(on: db)
                try await close(userID: user.id!, on: db)
            }
            return
        }
        try await throttle(user.id!)
        try await context.database.transaction { db in try await issue(.release, to: number, newPhone: nil, user: user, on: db) }
    }

    /// Sends the waiting code's purpose again with a new code.
    public func resend(caller: Caller) async throws {
        let user = try await own(caller)
        guard let open = try await openCode(userID: user.id!, on: context.database) else { throw PhoneError.noCode }
        try await throttle(user.id!)
        try await context.database.transaction { db in
            try await issue(open.purpose, to: open.phone, newPhone: open.newPhone, user: user, on: db)
        }
    }

    /// Checks the code the user typed against the waiting one and does what it was sent for.
    public func confirm(_ typed: String, caller: Caller) async throws {
        let user = try await own(caller)
        let code = typed.filter { !$0.isWhitespace }
        let now = context.clock.now
        guard let open = try await openCode(userID: user.id!, on: context.database), let hash = open.codeHash,
            let expires = open.expiresAt, expires > now
        else { throw PhoneError.noCode }
        guard ConstantTime.equals(Self.digest(code, codeID: open.id!), hash) else {
            let tries = open.failedAttempts + 1
            let spent = tries >= Self.triesPerCode
            try await PhoneCodeRecord.query(on: context.database).filter(\.$id == open.id!)
                .set(\.$failedAttempts, to: tries).set(\.$closedAt, to: spent ? now : nil).update()
            throw spent ? PhoneError.noCode : PhoneError.wrongCode(remaining: Self.triesPerCode - tries)
        }
        try await context.database.transaction { db in
            // Single use: of two requests with the same code only one closes it.
            let closed = try await db.sql.raw(
                """
                UPDATE phone_codes SET closed_at = \(bind: now) WHERE id = \(bind: open.id!) AND closed_at IS NULL RETURNING id
                """
            ).all()
            guard !closed.isEmpty else { throw PhoneError.noCode }
            guard let fresh = try await UserRecord.find(user.id!, on: db) else { throw PlainRefusal.forbidden }
            switch open.purpose {
            case .confirm:
                guard fresh.phone == open.phone else { throw PhoneError.noCode }
                fresh.phoneConfirmedAt = now
                try await fresh.save(on: db)
            case .release:
                fresh.phone = open.newPhone
                fresh.phoneConfirmedAt = nil
                try await fresh.save(on: db)
                if let next = open.newPhone { try await issue(.confirm, to: next, newPhone: nil, user: fresh, on: db) }
            }
        }
    }

    /// The code that waits to be entered: the latest one not closed.
    private func openCode(userID: UUID, on db: any Database) async throws -> PhoneCodeRecord? {
        guard
            let latest = try await PhoneCodeRecord.query(on: db).filter(\.$userID == userID).filter(\.$closedAt == nil)
                .sort(\.$createdAt, .descending).first()
        else { return nil }
        if let expires = latest.expiresAt, expires <= context.clock.now { return nil }
        return latest
    }

    private func close(userID: UUID, on db: any Database) async throws {
        try await PhoneCodeRecord.query(on: db).filter(\.$userID == userID).filter(\.$closedAt == nil)
            .set(\.$closedAt, to: context.clock.now).update()
    }

    private func throttle(_ userID: UUID) async throws {
        let now = context.clock.now
        let recent = try await PhoneCodeRecord.query(on: context.database).filter(\.$userID == userID)
            .filter(\.$createdAt > now.addingTimeInterval(-3600)).sort(\.$createdAt, .descending).all()
        if recent.count >= Self.sendsPerHour { throw PhoneError.tooSoon }
        if let last = recent.first, now.timeIntervalSince(last.createdAt) < Self.secondsBetweenSends { throw PhoneError.tooSoon }
    }

    /// A new code (replacing any waiting one) and the message that carries it, in the caller's
    /// transaction; the code itself is made by the job that sends the message.
    private func issue(_ purpose: PhoneCodePurpose, to phone: String, newPhone: String?, user: UserRecord, on db: any Database)
        async throws
    {
        try await close(userID: user.id!, on: db)
        let now = context.clock.now
        let code = PhoneCodeRecord(userID: user.id!, purpose: purpose, phone: phone, newPhone: newPhone, createdAt: now)
        try await code.create(on: db)
        let language = user.language ?? context.provider.defaultLanguage
        let body = context.texts.text(
            "sms.code." + purpose.rawValue, language, ["provider": context.provider.name, "code": PhoneCodeRecord.placeholder])
        try await SMSOutbox(context: context).enqueue(
            to: phone, body: body, accountID: user.accountID, userID: user.id!, codeID: code.id!, on: db)
    }

    /// The stored form of a code: keyed by the code's id, so one digest says nothing of another.
    static func digest(_ code: String, codeID: UUID) -> String {
        SecretToken.digest("phone:" + codeID.uuidString.lowercased() + ":" + code)
    }

    /// Six digits, uniformly.
    static func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%06d", Int.random(in: 0..<1_000_000, using: &generator))
    }
}

/// Queues text messages, each sent by a `sms.send` job, in the caller's transaction.
public struct SMSOutbox: Sendable {
    let context: EngineContext

    func enqueue(to recipient: String, body: String, accountID: UUID?, userID: UUID?, codeID: UUID?, on db: any Database) async throws {
        let message = SMSMessageRecord(
            accountID: accountID, userID: userID, recipient: recipient, body: body, codeID: codeID, createdAt: context.clock.now)
        try await message.create(on: db)
        try await context.jobs.enqueue([JobQueue.smsJob(messageID: message.id!, accountID: accountID)], on: db)
    }

    /// The latest messages, newest first, for staff.
    public static func recent(limit: Int = 50, context: EngineContext) async throws -> [SMSOutboxMessage] {
        try await SMSMessageRecord.query(on: context.database).sort(\.$createdAt, .descending).limit(limit).all()
            .map(SMSOutboxMessage.init)
    }
}

/// A text message as staff see it: the recipient masked, the body with the code's place, and
/// (development channel only) what was "sent".
public struct SMSOutboxMessage: Sendable, Hashable {
    public let id: UUID
    public let recipient: String
    public let body: String
    public let status: OutboxStatus
    public let attempts: Int
    public let lastError: String?
    public let channel: String?
    public let deliveredText: String?
    public let createdAt: Date
    public let sentAt: Date?

    init(_ record: SMSMessageRecord) {
        id = record.id!
        recipient = PhoneNumber.masked(record.recipient)
        body = record.body
        status = record.status
        attempts = record.attempts
        lastError = record.lastError
        channel = record.channel
        deliveredText = record.deliveredText
        createdAt = record.createdAt
        sentAt = record.sentAt
    }
}

/// The payload of a `sms.send` job.
struct SMSJob: Codable, Sendable {
    let messageID: UUID
}

/// Sends one text message through the installation's SMS channel. A message with a code makes
/// the code here and commits its digest (and its ten minutes) before the message leaves; a retry
/// makes a new code. A code replaced meanwhile (the user asked again) is not sent at all.
struct SMSJobs: Sendable {
    let context: EngineContext

    func run(_ job: SMSJob, attempt: Int) async throws -> JobResult {
        guard let message = try await SMSMessageRecord.find(job.messageID, on: context.database), message.status == .queued else {
            return .done
        }
        guard let channel = context.sms else {
            return failed(message, attempt: attempt, reason: "no SMS channel is configured (TWILIO_ACCOUNT_SID)", permanent: false)
        }
        var text = message.body
        if let codeID = message.codeID {
            let code = PhoneNumbers.newCode()
            let now = context.clock.now
            let armed = try await context.database.sql.raw(
                """
                UPDATE phone_codes SET code_hash = \(bind: PhoneNumbers.digest(code, codeID: codeID)),
                expires_at = \(bind: now.addingTimeInterval(PhoneNumbers.codeLifetime)), failed_attempts = 0
                WHERE id = \(bind: codeID) AND closed_at IS NULL RETURNING id
                """
            ).all()
            guard !armed.isEmpty else {
                return failed(message, attempt: attempt, reason: "the code was replaced or used before it was sent", permanent: true)
            }
            text = text.replacingOccurrences(of: PhoneCodeRecord.placeholder, with: code)
        }
        let providerID: String
        do {
            providerID = try await channel.send(SMSMessage(to: message.recipient, text: text))
        } catch {
            let permanent = (error as? DeliveryError)?.isPermanent ?? false
            return failed(message, attempt: attempt, reason: String(describing: error), permanent: permanent)
        }
        let id = message.id!
        let kept = channel.keepsTexts ? text : nil
        let log = context.log(.sms)
        return JobResult(outcome: .done) { ctx in
            try await SMSMessageRecord.query(on: ctx.database).filter(\.$id == id)
                .set(\.$status, to: .sent).set(\.$sentAt, to: ctx.clock.now).set(\.$attempts, to: attempt)
                .set(\.$channel, to: channel.name).set(\.$providerID, to: providerID).set(\.$deliveredText, to: kept)
                .set(\.$lastError, to: nil).update()
            log.info("sms sent", metadata: ["sms": .string(id.uuidString), "provider_id": .string(providerID)])
        }
    }

    private func failed(_ message: SMSMessageRecord, attempt: Int, reason: String, permanent: Bool) -> JobResult {
        let id = message.id!
        let text = String(reason.prefix(500))
        let log = context.log(.sms)
        return JobResult(
            outcome: .failure(text, permanent: permanent),
            apply: { ctx in
                try await SMSMessageRecord.query(on: ctx.database).filter(\.$id == id)
                    .set(\.$attempts, to: attempt).set(\.$lastError, to: text).update()
                log.warning("sms not sent", metadata: ["sms": .string(id.uuidString), "attempt": .stringConvertible(attempt)])
            },
            giveUp: { ctx in
                try await SMSMessageRecord.query(on: ctx.database).filter(\.$id == id).set(\.$status, to: .failed).update()
            })
    }
}

extension PhoneError: Refusal {
    public var code: String {
        switch self {
        case .invalidNumber: "invalid_phone"
        case .noCode: "code_expired"
        case .wrongCode: "wrong_code"
        case .tooSoon: "too_many_requests"
        case .noNumber: "not_found"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .tooSoon: .tooManyRequests
        case .noNumber: .notFound
        default: .unprocessable
        }
    }

    public var textKey: String {
        switch self {
        case .invalidNumber: "error.phone.invalid"
        case .noCode: "error.phone.no_code"
        case .wrongCode: "error.phone.wrong_code"
        case .tooSoon: "error.phone.too_soon"
        case .noNumber: "error.phone.no_number"
        }
    }

    public var textArguments: [String: RefusalArgument] {
        if case .wrongCode(let remaining) = self { return ["remaining": .number(remaining)] }
        return [:]
    }
}
