import BillingDomain
import BillingEngine
import BillingStore
import FluentKit
import Vapor

/// The logged-in client user of a request, with the account they act for.
struct ClientIdentity: Sendable {
    let user: UserRecord
    /// The account the user acts for, as the engine's use cases take it.
    let account: Account
    let sessionToken: String

    var accountID: UUID { account.id }
    var userID: UUID { user.id! }
    var userName: String { user.name }
    var email: String { user.email }
    /// The account's country (ISO 3166 alpha-2), which sets its VAT rate.
    var country: String { account.country }
    /// The number clients quote to support.
    var clientCode: Int { account.clientCode }
    /// The account's currency (a stored code the platform does not know, which a migration
    /// never writes, reads as the provider's default currency).
    var currency: Currency { account.currency }
    /// The user as the rights table and the engine see them: the owner with every right, a
    /// sub-user with the rights the owner gave.
    var caller: Caller { .user(userID, of: account, rights: user.clientRights) }
}

/// The logged-in member of staff of a request.
struct StaffIdentity: Sendable {
    let staff: StaffUserRecord
    let role: StaffRole
    /// The role's rights at this installation (`StaffRoles`).
    let permissions: Set<StaffPermission>
    let sessionToken: String

    var staffID: UUID { staff.id! }
    var name: String { staff.name }
    var email: String { staff.email }
    /// The member as the rights table and the engine see them: the rights of the role.
    var caller: Caller { .staff(staffID, permissions: permissions) }
}

extension Request {
    private struct ClientKey: StorageKey { typealias Value = ClientIdentity }
    private struct StaffKey: StorageKey { typealias Value = StaffIdentity }

    var clientIdentity: ClientIdentity? {
        get { storage[ClientKey.self] }
        set { storage[ClientKey.self] = newValue }
    }

    var staffIdentity: StaffIdentity? {
        get { storage[StaffKey.self] }
        set { storage[StaffKey.self] = newValue }
    }

    /// The client identity of a route behind `ClientSessionMiddleware`.
    var client: ClientIdentity {
        get throws {
            guard let identity = clientIdentity else { throw PageError.loginRequired }
            return identity
        }
    }

    var staff: StaffIdentity {
        get throws {
            guard let identity = staffIdentity else { throw PageError.loginRequired }
            return identity
        }
    }
}

enum SessionCookie {
    static let client = "bsid"
    static let staff = "bstaff"
    /// A browser that signed in before (`TrustedDevices`), per realm.
    static let clientDevice = "bdev"
    static let staffDevice = "bdev_staff"

    static func device(_ realm: Realm) -> String { realm == .client ? clientDevice : staffDevice }

    /// Remembers the browser of a login that succeeded: a long-lived cookie, HttpOnly, `Secure`
    /// over https.
    static func trustDevice(_ response: Response, realm: Realm, principalID: UUID, for request: Request) async throws {
        let token = try await TrustedDevices(context: request.engine).remember(
            realm: realm, principalID: principalID, replacing: request.cookies[device(realm)]?.string)
        response.cookies[device(realm)] = HTTPCookies.Value(
            string: token, expires: nil, maxAge: Int(TrustedDevices.lifetime), domain: nil, path: "/",
            isSecure: request.billing.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    static func make(_ token: String, for request: Request, path: String) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: token, expires: nil, maxAge: nil, domain: nil, path: path,
            isSecure: request.billing.config.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    static func expired(path: String) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, domain: nil, path: path,
            isSecure: false, isHTTPOnly: true, sameSite: .lax)
    }

    /// Reads the client session if there is one, without requiring it (for the login page's
    /// "already logged in" redirect and the language switch).
    static func loadClient(_ request: Request) async throws -> ClientIdentity? {
        guard let token = request.cookies[client]?.string, !token.isEmpty,
            let (_, user, account) = try await WebSessions(context: request.engine).resolveClient(token: token), user.enabled,
            account.status == AccountStatus.active
        else { return nil }
        if let language = user.language { request.language = language }
        let identity = ClientIdentity(
            user: user, account: Account(account, fallback: request.engine.provider.defaultCurrency), sessionToken: token)
        // Every request of a session is checked against the account's networks (ACC-5): from
        // outside them the session ends, and the login page says why.
        guard identity.account.allowedNetworks.admits(request.clientIP) else {
            try await WebSessions(context: request.engine).end(token: token)
            try await AccountSecurity(context: request.engine).recordClient(
                .addressNotAllowed, userID: identity.userID, ip: request.clientIP, userAgent: request.headers.first(name: .userAgent),
                channel: .web)
            request.storage[AddressRefused.self] = true
            return nil
        }
        return identity
    }

    /// Set on a request whose session was ended for coming from outside the account's networks.
    struct AddressRefused: StorageKey { typealias Value = Bool }
}

/// Lets a request through only with a live client session; otherwise sends the browser to the
/// login page and back here afterwards.
struct ClientSessionMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let identity = try await SessionCookie.loadClient(request) else {
            if request.storage[SessionCookie.AddressRefused.self] == true {
                return request.redirect(to: SiteURL.login.notice("address_not_allowed"))
            }
            let back = request.method == .GET ? request.url.string : SiteURL.dashboard.path
            return request.redirect(to: SiteURL.login.path(["next": back]))
        }
        request.clientIdentity = identity
        return try await next.respond(to: request)
    }
}

/// Lets a request through only with a live staff session.
struct StaffSessionMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let token = request.cookies[SessionCookie.staff]?.string, !token.isEmpty,
            let session = try await WebSessions(context: request.engine).resolve(token: token, realm: .staff),
            let staff = try await StaffUserRecord.find(session.principalID, on: request.engine.database), staff.enabled
        else { return request.redirect(to: SiteURL.staff(.login).path) }
        let policy = try await StaffRoles(context: request.engine).policy(for: staff.role)
        request.staffIdentity = StaffIdentity(staff: staff, role: staff.role, permissions: policy.permissions, sessionToken: token)
        // Where the provider requires the two-step login, a member without it enrols first.
        let own = [SiteURL.staff(.security).path, SiteURL.staff(.logout).path]
        if !own.contains(where: { request.url.path == $0 || request.url.path.hasPrefix(SiteURL.staff(.security).path + "/") }),
            policy.twoFactorRequired,
            try await !TwoFactor(context: request.engine).isEnabled(realm: .staff, principalID: staff.id!)
        {
            return request.redirect(to: SiteURL.staff(.security).notice("two_factor_required"))
        }
        return try await next.respond(to: request)
    }
}
