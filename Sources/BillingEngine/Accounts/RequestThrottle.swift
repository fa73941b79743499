import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Counts requests that cost an e-mail each (sign-ups, password-reset requests) and refuses
/// them past `RequestLimits`, per address and per e-mail. The attempts are kept in the same
/// table as failed logins (`login_failures`, `realm` naming the kind), which already has the
/// indexes by e-mail and by address, and is shared by every instance.
public struct RequestThrottle: Sendable {
    let context: EngineContext
    let limits: RequestLimits

    public init(context: EngineContext, limits: RequestLimits = RequestLimits()) {
        self.context = context
        self.limits = limits
    }

    public enum Kind: String, Sendable {
        case signUp = "signup"
        case passwordReset = "reset"
    }

    /// Records the request and answers whether it is within the limits. A refused request is
    /// recorded too, so hammering keeps it refused.
    public func admit(_ kind: Kind, email: String, ip: String) async throws -> Bool {
        let db = context.database
        let now = context.clock.now
        let hour = now.addingTimeInterval(-3600)
        let recent = LoginFailureRecord.query(on: db).filter(\.$realm == kind.rawValue).filter(\.$at > hour)
        let fromAddress = try await recent.copy().filter(\.$ip == ip).count()
        let forEmail = try await recent.copy().filter(\.$email == email).count()
        try await LoginFailureRecord(realm: kind.rawValue, email: String(email.prefix(254)), ip: ip, at: now).create(on: db)
        switch kind {
        case .signUp:
            return fromAddress < limits.signUpsPerAddressPerHour
        case .passwordReset:
            return fromAddress < limits.resetsPerAddressPerHour && forEmail < limits.resetsPerEmailPerHour
        }
    }
}
