import BillingDomain
import BillingStore
import Crypto
import FluentKit
import FluentSQL
import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA-1, 30-second steps, six
/// digits, as Google Authenticator and every other authenticator app computes them.
public enum TOTP {
    public static let period: TimeInterval = 30
    public static let digits = 6

    /// The 30-second step a moment falls in.
    public static func step(at date: Date) -> Int64 { Int64((date.timeIntervalSince1970 / period).rounded(.down)) }

    /// The code of a step (RFC 4226's dynamic truncation), `digits` long with leading zeros.
    public static func code(secret: Data, step: Int64, digits: Int = digits) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary =
            (UInt32(mac[offset]) & 0x7F) << 24 | UInt32(mac[offset + 1]) << 16 | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let number = String(binary % modulus)
        return String(repeating: "0", count: digits - number.count) + number
    }

    /// The step within one of `step` (a phone's clock a little off) whose code `code` is.
    public static func matchingStep(_ code: String, secret: Data, around step: Int64) -> Int64? {
        [step, step - 1, step + 1].first { Self.code(secret: secret, step: $0) == code }
    }

    /// A new 160-bit key (RFC 4226 recommends the HMAC's output length).
    public static func generateSecret() -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

/// Why a step of the two-step login was refused.
public enum TwoFactorError: Error, Equatable, Sendable {
    /// Not the current code, a code used already, or an unknown recovery code.
    case wrongCode
    /// Too many wrong codes for this user lately.
    case throttled
    case alreadyEnabled
    case notEnabled
    /// Nothing was scanned yet (the enrolment page was not opened, or was finished).
    case noEnrolment
}

/// The two-step login of a client user or a member of staff (ACC-4, ASVS 2.8): enrolment with
/// a QR code and a first code, ten single-use recovery codes stored hashed, a code accepted once
/// per step, and disabling that needs a code. Wrong codes are limited per person.
public struct TwoFactor: Sendable {
    let context: EngineContext
    /// Wrong codes in `failureWindow` after which codes are refused for a while.
    public static let failureLimit = 5
    public static let failureWindow: TimeInterval = 15 * 60
    public static let recoveryCodeCount = 10

    public init(context: EngineContext) { self.context = context }

    /// What the enrolment page shows: the key for typing in, the URI an authenticator reads, and
    /// the URI drawn as a QR code.
    public struct Enrolment: Sendable, Equatable {
        /// Base32, in groups of four for reading aloud.
        public let secret: String
        public let uri: String
        public let qrSVG: String
    }

    public struct Status: Sendable, Equatable {
        public let enabled: Bool
        public let recoveryCodesLeft: Int
        public let enabledAt: Date?
    }

    public func status(realm: Realm, principalID: UUID) async throws -> Status {
        let record = try await key(realm, principalID)
        guard let record, let enabledAt = record.confirmedAt else { return Status(enabled: false, recoveryCodesLeft: 0, enabledAt: nil) }
        let left = try await RecoveryCodeRecord.query(on: context.database).filter(\.$realm == realm.rawValue)
            .filter(\.$principalID == principalID).filter(\.$usedAt == nil).count()
        return Status(enabled: true, recoveryCodesLeft: left, enabledAt: enabledAt)
    }

    public func isEnabled(realm: Realm, principalID: UUID) async throws -> Bool {
        try await key(realm, principalID)?.confirmedAt != nil
    }

    /// Starts (or restarts) an enrolment: a new key, not yet in force. `label` names the login
    /// in the authenticator (the e-mail).
    public func begin(realm: Realm, principalID: UUID, label: String) async throws -> Enrolment {
        let secret = TOTP.generateSecret()
        let sealed = try context.secrets.seal(secret)
        let now = context.clock.now
        try await context.database.transaction { db in
            if let existing = try await key(realm, principalID, on: db) {
                guard existing.confirmedAt == nil else { throw TwoFactorError.alreadyEnabled }
                existing.secretSealed = sealed
                existing.createdAt = now
                try await existing.save(on: db)
            } else {
                try await TwoFactorRecord(realm: realm.rawValue, principalID: principalID, secretSealed: sealed, createdAt: now)
                    .create(on: db)
            }
        }
        return try enrolment(secret, label: label)
    }

    /// The enrolment in progress (to show the page again after a wrong first code), or `nil`.
    public func pendingEnrolment(realm: Realm, principalID: UUID, label: String) async throws -> Enrolment? {
        guard let record = try await key(realm, principalID), record.confirmedAt == nil,
            let secret = context.secrets.open(record.secretSealed)
        else { return nil }
        return try enrolment(secret, label: label)
    }

    /// Confirms the enrolment with the first code the authenticator shows: the two-step login is
    /// on from now, and the answer is the ten recovery codes, shown once.
    public func confirm(realm: Realm, principalID: UUID, code: String, ip: String) async throws -> [String] {
        try await refuseIfThrottled(realm, principalID)
        guard let record = try await key(realm, principalID), record.confirmedAt == nil,
            let secret = context.secrets.open(record.secretSealed)
        else { throw TwoFactorError.noEnrolment }
        guard let step = TOTP.matchingStep(Self.digits(code), secret: secret, around: TOTP.step(at: context.clock.now)) else {
            try await recordFailure(realm, principalID, ip: ip)
            throw TwoFactorError.wrongCode
        }
        let now = context.clock.now
        return try await context.database.transaction { db in
            record.confirmedAt = now
            record.lastStep = step
            try await record.save(on: db)
            return try await newRecoveryCodes(realm, principalID, on: db)
        }
    }

    /// Checks a code at login (or before a change that needs one): the current TOTP code, once
    /// per step, or an unused recovery code, which is then spent.
    public func verify(realm: Realm, principalID: UUID, code: String, ip: String) async throws {
        try await refuseIfThrottled(realm, principalID)
        guard let record = try await key(realm, principalID), record.confirmedAt != nil else { throw TwoFactorError.notEnabled }
        let digits = Self.digits(code)
        if digits.count == TOTP.digits, let secret = context.secrets.open(record.secretSealed),
            let step = TOTP.matchingStep(digits, secret: secret, around: TOTP.step(at: context.clock.now))
        {
            // Spent under the row's own condition, so two requests with one code cannot both pass.
            let spent = try await context.database.sql.raw(
                """
                UPDATE two_factor_keys SET last_step = \(bind: step)
                WHERE id = \(bind: record.id!) AND (last_step IS NULL OR last_step < \(bind: step)) RETURNING id
                """
            ).all()
            if !spent.isEmpty { return }
        } else if let recovery = Self.recoveryForm(code) {
            let spent = try await context.database.sql.raw(
                """
                UPDATE recovery_codes SET used_at = \(bind: context.clock.now)
                WHERE realm = \(bind: realm.rawValue) AND principal_id = \(bind: principalID)
                AND code_hash = \(bind: SecretToken.digest(recovery)) AND used_at IS NULL RETURNING id
                """
            ).all()
            if !spent.isEmpty { return }
        }
        try await recordFailure(realm, principalID, ip: ip)
        throw TwoFactorError.wrongCode
    }

    /// Turns the two-step login off; needs a code (or a recovery code).
    public func disable(realm: Realm, principalID: UUID, code: String, ip: String) async throws {
        try await verify(realm: realm, principalID: principalID, code: code, ip: ip)
        try await remove(realm: realm, principalID: principalID)
    }

    /// Removes the key and the codes without a code: staff resetting a member's (or a client's)
    /// second factor after checking who asks.
    public func remove(realm: Realm, principalID: UUID) async throws {
        try await context.database.transaction { db in
            try await TwoFactorRecord.query(on: db).filter(\.$realm == realm.rawValue).filter(\.$principalID == principalID).delete()
            try await RecoveryCodeRecord.query(on: db).filter(\.$realm == realm.rawValue).filter(\.$principalID == principalID).delete()
        }
    }

    /// Ten new recovery codes (the old ones stop working); needs a code.
    public func regenerateRecoveryCodes(realm: Realm, principalID: UUID, code: String, ip: String) async throws -> [String] {
        try await verify(realm: realm, principalID: principalID, code: code, ip: ip)
        return try await context.database.transaction { db in try await newRecoveryCodes(realm, principalID, on: db) }
    }

    // MARK: Helpers

    private func key(_ realm: Realm, _ principalID: UUID, on db: (any Database)? = nil) async throws -> TwoFactorRecord? {
        try await TwoFactorRecord.query(on: db ?? context.database).filter(\.$realm == realm.rawValue)
            .filter(\.$principalID == principalID).first()
    }

    private func enrolment(_ secret: Data, label: String) throws -> Enrolment {
        let encoded = Base32.encode(secret)
        let issuer = context.provider.name
        let allowed = CharacterSet(charactersIn: Self.unreservedASCII)
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        let uri =
            "otpauth://totp/\(escape(issuer)):\(escape(label))?secret=\(encoded)&issuer=\(escape(issuer))&algorithm=SHA1&digits=6&period=30"
        let grouped = stride(from: 0, to: encoded.count, by: 4).map { start in
            let from = encoded.index(encoded.startIndex, offsetBy: start)
            return String(encoded[from..<encoded.index(from, offsetBy: min(4, encoded.count - start))])
        }.joined(separator: " ")
        return Enrolment(secret: grouped, uri: uri, qrSVG: try QRCode(uri).svg())
    }

    /// What stays as it is in the URI's label and issuer (RFC 3986's unreserved, and `@`).
    private static let unreservedASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~@"

    /// A typed code without the spaces people put in (`123 456`).
    static func digits(_ code: String) -> String { code.filter { !$0.isWhitespace } }

    /// The stored form of a typed recovery code: lower case, without dashes and spaces; `nil`
    /// when it cannot be one.
    static func recoveryForm(_ code: String) -> String? {
        let form = code.lowercased().filter { $0 != "-" && !$0.isWhitespace }
        guard form.count == 10, form.allSatisfy({ recoveryAlphabet.contains($0) }) else { return nil }
        return form
    }

    /// Letters and digits nobody confuses when copying from paper (no 0/o, 1/l/i).
    private static let recoveryAlphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")

    private func newRecoveryCodes(_ realm: Realm, _ principalID: UUID, on db: any Database) async throws -> [String] {
        try await RecoveryCodeRecord.query(on: db).filter(\.$realm == realm.rawValue).filter(\.$principalID == principalID).delete()
        var generator = SystemRandomNumberGenerator()
        let now = context.clock.now
        var shown: [String] = []
        for _ in 0..<Self.recoveryCodeCount {
            let code = String((0..<10).map { _ in Self.recoveryAlphabet.randomElement(using: &generator)! })
            try await RecoveryCodeRecord(
                realm: realm.rawValue, principalID: principalID, codeHash: SecretToken.digest(code), createdAt: now
            )
            .create(on: db)
            shown.append(code.prefix(5) + "-" + code.suffix(5))
        }
        return shown
    }

    /// Wrong codes are kept with the failed logins, under a realm of their own per person.
    private func failureRealm(_ realm: Realm) -> String { "totp." + realm.rawValue }

    private func refuseIfThrottled(_ realm: Realm, _ principalID: UUID) async throws {
        let recent = try await LoginFailureRecord.query(on: context.database).filter(\.$realm == failureRealm(realm))
            .filter(\.$email == principalID.uuidString.lowercased())
            .filter(\.$at > context.clock.now.addingTimeInterval(-Self.failureWindow)).count()
        if recent >= Self.failureLimit { throw TwoFactorError.throttled }
    }

    private func recordFailure(_ realm: Realm, _ principalID: UUID, ip: String) async throws {
        try await LoginFailureRecord(realm: failureRealm(realm), email: principalID.uuidString.lowercased(), ip: ip, at: context.clock.now)
            .create(on: context.database)
    }
}

extension TwoFactorError: Refusal {
    public var code: String {
        switch self {
        case .wrongCode: "wrong_code"
        case .throttled: "too_many_requests"
        case .alreadyEnabled: "two_factor_enabled"
        case .notEnabled: "two_factor_not_enabled"
        case .noEnrolment: "no_enrolment"
        }
    }

    public var status: RefusalStatus {
        switch self {
        case .throttled: .tooManyRequests
        case .alreadyEnabled, .notEnabled, .noEnrolment: .conflict
        case .wrongCode: .unprocessable
        }
    }

    public var textKey: String { "error.two_factor." + code }
}
