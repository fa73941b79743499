import BillingDomain
import Foundation
import Vapor

/// A path parameter: `.key` when a route is registered (`:serviceID`), `.value` when a link,
/// a form target or a redirect is built.
enum Parameter<Value: Hashable & Sendable>: Hashable, Sendable {
    case key
    case value(Value)
}

/// Every address of the client area and the staff area. Routes are registered from it, and
/// links, form targets, redirects and navigation are built from it, so a path is written once
/// and a renamed page cannot leave a dead link behind (SwiftPackageIndex-Server's `SiteURL` is
/// the model). Query strings go through `path(_:)`, the one encoder.
enum SiteURL: Hashable, Sendable {
    // Signing in and out, the language switch.
    case root, login, logout, signUp, language
    case signUpConfirm(Parameter<String>)
    /// The e-mailed sign-in link (second step of a login while the e-mail's logins are locked).
    case loginLink(Parameter<String>)
    case passwordForgot
    case passwordReset(Parameter<String>)
    // The client area.
    case dashboard
    case orderCatalog
    case orderPlan(Parameter<UUID>)
    /// A quick order (CAT-4): the plan with its defaults into the cart, a server's name given after paying.
    case orderQuick(Parameter<UUID>)
    case cart, cartPromo, cartCheckout
    case cartItemRemove(Parameter<UUID>)
    case orders
    case order(Parameter<UUID>)
    case orderPay(Parameter<UUID>)
    case orderCancel(Parameter<UUID>)
    case services
    case service(Parameter<UUID>)
    /// A server's Network tab: addresses, netmask, gateway, MAC, reverse DNS.
    case serviceNetwork(Parameter<UUID>)
    /// A server's Traffic tab (`?span=day|week|month|year`).
    case serviceTraffic(Parameter<UUID>)
    /// A server's IP-KVM tab: its console (VNC on a VPS's host, a temporary BMC user on a
    /// dedicated server).
    case serviceConsole(Parameter<UUID>)
    case serviceAction(Parameter<UUID>, ServiceAction)
    case payments, newPayment
    case payment(Parameter<UUID>)
    case paymentPay(Parameter<UUID>)
    case paymentDelete(Parameter<UUID>)
    case paymentResult(Parameter<UUID>)
    case paymentCancelled(Parameter<UUID>)
    case paymentInvoice(Parameter<UUID>)
    case balanceHistory, expenses, expensesCSV, changeCurrency
    case savedMethods
    case savedMethodDone(Parameter<UUID>)
    case savedMethodRename(Parameter<UUID>)
    case savedMethodDelete(Parameter<UUID>)
    case autorenewal, autopay
    /// A payment link anyone holding it may open (FIN-4).
    case payLink(Parameter<String>)
    case apiReference
    /// The account's users (ACC-3): the list, a new user, one user, and what is done to one.
    case accountUsers, accountUserNew
    case accountUser(Parameter<UUID>)
    case accountUserAction(Parameter<UUID>, UserAction)
    /// The e-mailed invitation of a new user, where they choose their password.
    case invitation(Parameter<String>)
    /// The second step of a login with the two-step login on: the authenticator's code.
    case loginCode
    /// The user's own security: the two-step login (ACC-4), and what is done to it.
    case security
    case securityAction(SecurityAction)
    /// Ends one browser session, revokes one API token (ASVS 3.3.4).
    case sessionEnd(Parameter<UUID>)
    case tokenRevoke(Parameter<UUID>)
    /// The user's own profile: name, password (ACC-2).
    case profile, profilePassword
    /// The user's phone number (ACC-2): set it (a code goes by SMS), and what is done with the code.
    case phone
    case phoneAction(PhoneAction)
    /// The user's picture (ACC-6): shown (GET), uploaded (POST), removed.
    case avatar, avatarDelete
    /// The interface language and the account's currency in one place (ACC-6).
    case settings
    /// The account's allowed networks and code word (ACC-5), for users with the security right.
    case allowedNetworks, codeWord
    /// The user's other e-mail addresses (ACC-6): add one, change what one receives, remove one.
    case emails
    case email(Parameter<UUID>)
    case emailDelete(Parameter<UUID>)
    /// Sends an address's confirmation link again; the link itself (anyone holding it).
    case emailResend(Parameter<UUID>)
    case emailConfirm(Parameter<String>)
    /// Mails the user their personal data as CSV (ACC-7).
    case personalDataExport
    /// Asks to erase one's personal data or restrict its use.
    case privacyRequest(PrivacyRequestKind)
    /// The privacy policy, its current version and each earlier one (ACC-7): public.
    case privacyPolicy
    case privacyPolicyVersion(Parameter<String>)
    /// The staff area, under `/admin`.
    case staff(StaffURL)

    /// Every address, parameters as keys: `RoutingTests` checks that these and the routes the
    /// application registers for pages are the same set.
    static let every: [SiteURL] =
        [
            .root, .login, .loginLink(.key), .logout, .signUp, .language, .signUpConfirm(.key), .passwordForgot, .passwordReset(.key),
            .dashboard,
            .orderCatalog, .orderPlan(.key), .orderQuick(.key), .cart, .cartPromo, .cartCheckout, .cartItemRemove(.key), .orders,
            .order(.key),
            .orderPay(.key), .orderCancel(.key), .services, .service(.key), .payments, .newPayment,
            .payment(.key), .paymentPay(.key), .paymentDelete(.key), .paymentResult(.key), .paymentCancelled(.key),
            .paymentInvoice(.key), .balanceHistory, .expenses, .expensesCSV, .changeCurrency, .savedMethods, .savedMethodDone(.key),
            .savedMethodRename(.key), .savedMethodDelete(.key), .autorenewal, .autopay, .payLink(.key), .apiReference,
            .accountUsers, .accountUserNew, .accountUser(.key), .invitation(.key), .loginCode, .security,
            .sessionEnd(.key), .tokenRevoke(.key), .profile, .profilePassword, .settings,
            .allowedNetworks, .codeWord, .emails, .email(.key), .emailDelete(.key),
            .personalDataExport
        ]
        + [.phone, .avatar, .avatarDelete, .privacyPolicy, .privacyPolicyVersion(.key), .emailResend(.key), .emailConfirm(.key)]
        + PhoneAction.allCases.map(SiteURL.phoneAction)
        + PrivacyRequestKind.allCases.map(SiteURL.privacyRequest)
        + SecurityAction.allCases.map(SiteURL.securityAction)
        + [.serviceNetwork(.key), .serviceTraffic(.key), .serviceConsole(.key)]
        + ServiceAction.allCases.map { SiteURL.serviceAction(.key, $0) }
        + UserAction.allCases.map { SiteURL.accountUserAction(.key, $0) }
        + [
            StaffURL.clients, .login, .loginLink(.key), .logout, .service(.key), .client(.key), .clientAdjust(.key), .clientCodeWord(.key),
            .catalog, .plan(.key),
            .planPrices(.key),
            .planAddons(.key), .billing, .billingSettings, .billingRates, .billingPromos, .billingRun, .billingSeller, .payments,
            .payment(.key), .paymentConfirm(.key), .paymentRefund(.key), .paymentMethods, .outbox, .outboxRetry(.key), .jobs,
            .jobRetry(.key),
            .jobCancel(.key), .members, .memberNew, .member(.key), .memberResetTwoFactor(.key), .staffSettings, .security,
            .loginCode, .audit, .privacy, .privacyHandle(.key), .sms, .privacyPolicy, .invitation(.key),
            .servers, .server(.key), .serverRemove(.key), .services
        ].map(SiteURL.staff)
        + StaffServiceAction.allCases.map { SiteURL.staff(.serviceAction(.key, $0)) }
        + StaffRole.allCases.map { SiteURL.staff(.staffRole($0)) }
        + [SecurityAction.twoFactorStart, .twoFactorConfirm, .twoFactorDisable, .recoveryCodes].map { SiteURL.staff(.securityAction($0)) }

    /// The path with its parameters filled in (`.key` parameters read `:name`).
    var path: String { "/" + segments.map(\.text).joined(separator: "/") }

    /// The path with a query string, encoded once here: `nil` values are left out.
    func path(_ query: KeyValuePairs<String, String?>) -> String {
        let pairs = query.compactMap { name, value in value.map { Self.encode(name) + "=" + Self.encode($0) } }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    /// Only RFC 3986's unreserved characters stay as they are: `&`, `=`, `+`, `#`, `/`, `?` and
    /// every non-ASCII letter are escaped (URLComponents would leave `&` and `=` in a value).
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// What a path parameter keeps as it is (tokens are URL-safe base64: `-` and `_`).
    fileprivate static let pathSegmentAllowed = unreserved

    private static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    /// The path after a notice the page shows once ("Service stopped").
    func notice(_ key: String) -> String { path(["notice": key]) }

    /// What a route is registered with, relative to the group it lives in (the staff area's
    /// group already holds `admin`).
    var routeComponents: [PathComponent] {
        let all = segments
        let relative = if case .staff = self { Array(all.dropFirst()) } else { all }
        return relative.map(\.component)
    }

    private var segments: [Segment] {
        switch self {
        case .root: []
        case .login: ["login"]
        case .logout: ["logout"]
        case .signUp: ["signup"]
        case .language: ["lang"]
        case .signUpConfirm(let token): ["signup", "confirm", .parameter("token", token)]
        case .loginLink(let token): ["login", "link", .parameter("token", token)]
        case .passwordForgot: ["password", "forgot"]
        case .passwordReset(let token): ["password", "reset", .parameter("token", token)]
        case .dashboard: ["dashboard"]
        case .orderCatalog: ["order"]
        case .orderPlan(let plan): ["order", .parameter("planID", plan)]
        case .orderQuick(let plan): ["order", .parameter("planID", plan), "quick"]
        case .cart: ["cart"]
        case .cartPromo: ["cart", "promo"]
        case .cartCheckout: ["cart", "checkout"]
        case .cartItemRemove(let item): ["cart", .parameter("itemID", item), "remove"]
        case .orders: ["orders"]
        case .order(let order): ["orders", .parameter("orderID", order)]
        case .orderPay(let order): ["orders", .parameter("orderID", order), "pay"]
        case .orderCancel(let order): ["orders", .parameter("orderID", order), "cancel"]
        case .services: ["services"]
        case .service(let service): ["services", .parameter("serviceID", service)]
        case .serviceNetwork(let service): ["services", .parameter("serviceID", service), "network"]
        case .serviceTraffic(let service): ["services", .parameter("serviceID", service), "traffic"]
        case .serviceConsole(let service): ["services", .parameter("serviceID", service), "kvm"]
        case .serviceAction(let service, let action): ["services", .parameter("serviceID", service), .constant(action.rawValue)]
        case .payments: ["payments"]
        case .newPayment: ["payments", "new"]
        case .payment(let payment): ["payments", .parameter("paymentID", payment)]
        case .paymentPay(let payment): ["payments", .parameter("paymentID", payment), "pay"]
        case .paymentDelete(let payment): ["payments", .parameter("paymentID", payment), "delete"]
        case .paymentResult(let payment): ["payments", .parameter("paymentID", payment), "result"]
        case .paymentCancelled(let payment): ["payments", .parameter("paymentID", payment), "cancelled"]
        case .paymentInvoice(let payment): ["payments", .parameter("paymentID", payment), "invoice"]
        case .balanceHistory: ["finance", "balance"]
        case .expenses: ["finance", "expenses"]
        case .expensesCSV: ["finance", "expenses.csv"]
        case .changeCurrency: ["finance", "currency"]
        case .savedMethods: ["finance", "methods"]
        case .savedMethodDone(let method): ["finance", "methods", .parameter("methodID", method), "done"]
        case .savedMethodRename(let method): ["finance", "methods", .parameter("methodID", method), "rename"]
        case .savedMethodDelete(let method): ["finance", "methods", .parameter("methodID", method), "delete"]
        case .autorenewal: ["finance", "autorenewal"]
        case .autopay: ["finance", "autopay"]
        case .payLink(let token): ["pay", .parameter("token", token)]
        case .apiReference: ["api", "openapi.yaml"]
        case .accountUsers: ["account", "users"]
        case .accountUserNew: ["account", "users", "new"]
        case .accountUser(let user): ["account", "users", .parameter("userID", user)]
        case .accountUserAction(let user, let action): ["account", "users", .parameter("userID", user), .constant(action.rawValue)]
        case .invitation(let token): ["invite", .parameter("token", token)]
        case .loginCode: ["login", "code"]
        case .security: ["account", "security"]
        case .securityAction(let action): ["account", "security", .constant(action.rawValue)]
        case .sessionEnd(let session): ["account", "security", "sessions", .parameter("sessionID", session), "end"]
        case .tokenRevoke(let token): ["account", "security", "tokens", .parameter("tokenID", token), "revoke"]
        case .profile: ["account", "profile"]
        case .settings: ["account", "settings"]
        case .profilePassword: ["account", "profile", "password"]
        case .phone: ["account", "profile", "phone"]
        case .avatar: ["account", "profile", "avatar"]
        case .avatarDelete: ["account", "profile", "avatar", "delete"]
        case .phoneAction(let action): ["account", "profile", "phone", .constant(action.rawValue)]
        case .allowedNetworks: ["account", "security", "networks"]
        case .codeWord: ["account", "security", "code-word"]
        case .emails: ["account", "profile", "emails"]
        case .personalDataExport: ["account", "profile", "personal-data"]
        case .privacyRequest(let kind): ["account", "profile", "privacy", .constant(kind.rawValue)]
        case .email(let email): ["account", "profile", "emails", .parameter("emailID", email)]
        case .emailDelete(let email): ["account", "profile", "emails", .parameter("emailID", email), "delete"]
        case .emailResend(let email): ["account", "profile", "emails", .parameter("emailID", email), "resend"]
        case .emailConfirm(let token): ["emails", "confirm", .parameter("token", token)]
        case .privacyPolicy: ["privacy"]
        case .privacyPolicyVersion(let version): ["privacy", "versions", .parameter("version", version)]
        case .staff(let page): ["admin"] + page.segments
        }
    }
}

/// The staff area's addresses (below `/admin`).
/// What a client does to a service, each a form and a route of its own
/// (`/services/:serviceID/stop` …), so each can carry its own right.
enum ServiceAction: String, Hashable, Sendable, CaseIterable {
    case stop, start, reboot, reinstall, rdns, console, login, delete, autorenew, period, extend, resources, configure
}

/// What is done to a user of the account, each a form of its own.
enum UserAction: String, Hashable, Sendable, CaseIterable {
    case disable, enable, delete, resend
}

/// What is done with the phone's code: enter it, have it sent again, or remove the number.
enum PhoneAction: String, Hashable, Sendable, CaseIterable {
    case confirm, resend, remove
}

/// The forms of the security page.
enum SecurityAction: String, Hashable, Sendable, CaseIterable {
    /// Starts enrolling an authenticator; confirms it with the first code; turns it off with a
    /// code; makes new recovery codes with a code.
    case twoFactorStart = "two-factor-start"
    case twoFactorConfirm = "two-factor-confirm"
    case twoFactorDisable = "two-factor-disable"
    case recoveryCodes = "recovery-codes"
    /// Ends every session of the user but this one.
    case endOtherSessions = "end-other-sessions"
}

enum StaffURL: Hashable, Sendable {
    case clients, login, logout
    case client(Parameter<UUID>)
    case clientAdjust(Parameter<UUID>)
    /// Checks the code word a caller gave support (the answer: matches or not, never the word).
    case clientCodeWord(Parameter<UUID>)
    case catalog
    case plan(Parameter<UUID>)
    case planPrices(Parameter<UUID>)
    case planAddons(Parameter<UUID>)
    case billing, billingSettings, billingRates, billingPromos, billingRun, billingSeller
    case payments
    case payment(Parameter<UUID>)
    case paymentConfirm(Parameter<UUID>)
    case paymentRefund(Parameter<UUID>)
    case paymentMethods
    case outbox
    case outboxRetry(Parameter<UUID>)
    case jobs
    case jobRetry(Parameter<UUID>)
    case jobCancel(Parameter<UUID>)
    case loginLink(Parameter<String>)
    case service(Parameter<UUID>)
    /// The staff list: who works here, with which role.
    case members
    /// Adds a member; changes one's role and access; resets one's second factor; the staff
    /// settings (the two-step login required).
    case memberNew
    case member(Parameter<UUID>)
    case memberResetTwoFactor(Parameter<UUID>)
    case staffSettings
    /// The member's own two-step login, and the second step of a staff login.
    case security
    case securityAction(SecurityAction)
    case loginCode
    /// The audit log of staff actions.
    case audit
    /// The queue of personal-data requests, and closing one.
    case privacy
    case privacyHandle(Parameter<UUID>)
    /// The text messages sent (phone codes), with the development channel's texts.
    case sms
    /// The privacy policy's versions and the form that publishes the next one.
    case privacyPolicy
    /// Saves the rights of a role (ADM-1).
    case staffRole(StaffRole)
    /// An invited member's link, where they choose their password.
    case invitation(Parameter<String>)
    /// The pool of dedicated servers (and adding one); removing a free one.
    case servers
    /// One server's details, and the form that changes them.
    case server(Parameter<UUID>)
    case serverRemove(Parameter<UUID>)
    /// Every client's services, with filters (ADM-1).
    case services
    /// Stops a client's service by administrator or for abuse, or starts it again (ADM-1).
    case serviceAction(Parameter<UUID>, StaffServiceAction)

    fileprivate var segments: [Segment] {
        switch self {
        case .clients: []
        case .service(let service): ["services", .parameter("serviceID", service)]
        case .members: ["staff"]
        case .memberNew: ["staff", "new"]
        case .member(let member): ["staff", .parameter("staffID", member)]
        case .memberResetTwoFactor(let member): ["staff", .parameter("staffID", member), "reset-two-factor"]
        case .staffSettings: ["staff", "settings"]
        case .security: ["security"]
        case .securityAction(let action): ["security", .constant(action.rawValue)]
        case .loginCode: ["login", "code"]
        case .audit: ["audit"]
        case .privacy: ["privacy"]
        case .sms: ["sms"]
        case .privacyPolicy: ["privacy-policy"]
        case .staffRole(let role): ["staff", "roles", .constant(role.rawValue)]
        case .invitation(let token): ["invite", .parameter("token", token)]
        case .servers: ["servers"]
        case .services: ["services"]
        case .serviceAction(let service, let action): ["services", .parameter("serviceID", service), .constant(action.rawValue)]
        case .server(let server): ["servers", .parameter("serverID", server)]
        case .serverRemove(let server): ["servers", .parameter("serverID", server), "remove"]
        case .privacyHandle(let request): ["privacy", .parameter("requestID", request)]
        case .login: ["login"]
        case .loginLink(let token): ["login", "link", .parameter("token", token)]
        case .logout: ["logout"]
        case .client(let account): ["clients", .parameter("accountID", account)]
        case .clientAdjust(let account): ["clients", .parameter("accountID", account), "adjust"]
        case .clientCodeWord(let account): ["clients", .parameter("accountID", account), "code-word"]
        case .catalog: ["catalog"]
        case .plan(let plan): ["catalog", .parameter("planID", plan)]
        case .planPrices(let plan): ["catalog", .parameter("planID", plan), "prices"]
        case .planAddons(let plan): ["catalog", .parameter("planID", plan), "addons"]
        case .billing: ["billing"]
        case .billingSettings: ["billing", "settings"]
        case .billingRates: ["billing", "rates"]
        case .billingPromos: ["billing", "promos"]
        case .billingRun: ["billing", "run"]
        case .billingSeller: ["billing", "seller"]
        case .payments: ["payments"]
        case .payment(let payment): ["payments", .parameter("paymentID", payment)]
        case .paymentConfirm(let payment): ["payments", .parameter("paymentID", payment), "confirm"]
        case .paymentRefund(let payment): ["payments", .parameter("paymentID", payment), "refund"]
        case .paymentMethods: ["payment-methods"]
        case .outbox: ["outbox"]
        case .outboxRetry(let message): ["outbox", .parameter("messageID", message), "retry"]
        case .jobs: ["jobs"]
        case .jobRetry(let job): ["jobs", .parameter("jobID", job), "retry"]
        case .jobCancel(let job): ["jobs", .parameter("jobID", job), "cancel"]
        }
    }
}

/// One piece of a path: a constant, or a parameter with its route name.
private enum Segment: ExpressibleByStringLiteral {
    case constant(String)
    case parameter(name: String, value: String?)

    init(stringLiteral value: String) { self = .constant(value) }

    static func parameter(_ name: String, _ parameter: Parameter<UUID>) -> Segment {
        switch parameter {
        case .key: .parameter(name: name, value: nil)
        case .value(let id): .parameter(name: name, value: id.uuidString.lowercased())
        }
    }

    static func parameter(_ name: String, _ parameter: Parameter<String>) -> Segment {
        switch parameter {
        case .key: .parameter(name: name, value: nil)
        case .value(let text):
            .parameter(name: name, value: text.addingPercentEncoding(withAllowedCharacters: SiteURL.pathSegmentAllowed) ?? "")
        }
    }

    var text: String {
        switch self {
        case .constant(let text): text
        case .parameter(let name, let value): value ?? ":" + name
        }
    }

    var component: PathComponent {
        switch self {
        case .constant(let text): .constant(text)
        case .parameter(let name, _): .parameter(name)
        }
    }
}

extension RoutesBuilder {
    /// Registers a GET route at a site address, behind the address's entry of the rights table
    /// (`SiteURL.access`): no page can be registered without its right.
    @discardableResult
    func get<Response: AsyncResponseEncodable>(
        _ url: SiteURL, use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        grouped(AccessGuard(access: url.access(.GET))).get(url.routeComponents, use: closure)
    }

    /// Registers a POST route at a site address, behind its entry of the rights table.
    @discardableResult
    func post<Response: AsyncResponseEncodable>(
        _ url: SiteURL, use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        grouped(AccessGuard(access: url.access(.POST))).post(url.routeComponents, use: closure)
    }
}

extension Request {
    /// A redirect to a site address (303, as after a form).
    func redirect(to url: SiteURL) -> Response { redirect(to: url.path) }
}

/// The engine's links (`SiteLinks`) from the typed routes: the base URL and a `SiteURL`'s path.
/// A secret link is the route with its `:token` parameter left as the mail placeholder, which
/// the mail job replaces with the token when it sends the message.
struct SiteLinkBuilder: SiteLinks {
    let baseURL: String

    func url(_ page: PublicPage) -> String {
        switch page {
        case .login: baseURL + SiteURL.login.path
        case .passwordForgot: baseURL + SiteURL.passwordForgot.path
        }
    }

    func url(_ link: MailLink) -> String {
        let route: SiteURL =
            switch link {
            case .passwordReset: .passwordReset(.key)
            case .signUpConfirmation: .signUpConfirm(.key)
            case .signIn: .loginLink(.key)
            case .staffSignIn: .staff(.loginLink(.key))
            case .invitation: .invitation(.key)
            case .emailConfirmation: .emailConfirm(.key)
            case .staffInvitation: .staff(.invitation(.key))
            }
        return baseURL + route.path.replacingOccurrences(of: ":token", with: MailLink.placeholder)
    }
}
