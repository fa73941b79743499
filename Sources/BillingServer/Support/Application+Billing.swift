import BillingDomain
import BillingEngine
import BillingStore
import Messaging
import Vapor

extension Application {
    private struct BillingKey: StorageKey { typealias Value = BillingRuntime }

    /// Everything the handlers need that is fixed at start-up.
    var billing: BillingRuntime {
        get {
            guard let runtime = storage[BillingKey.self] else { fatalError("configure(_:config:) was not called") }
            return runtime
        }
        set { storage[BillingKey.self] = newValue }
    }
}

/// The configuration, the engine's context and the secrets, kept on the application.
public struct BillingRuntime: Sendable {
    public let config: AppConfig
    public let engine: EngineContext
    /// Signs CSRF tokens; generated once and kept in the database, so every instance shares it.
    let signingKey: String
    /// The pages' policy, made once: it names the configured gateways' page origins.
    var contentSecurityPolicy: String = SecurityHeadersMiddleware.contentSecurityPolicy(formTargets: [])
}

extension Request {
    var billing: BillingRuntime { application.billing }
    /// The engine, logging through this request's logger: every line carries the request id.
    var engine: EngineContext { application.billing.engine.logging(to: logger) }
    var texts: Localizer { Localizer.shared }

    /// The client address used for throttling and the login history: the peer's address, or,
    /// when the peer is a configured proxy, the nearest address in `X-Forwarded-For` that is not
    /// one of ours. A client talking to us directly cannot choose its address with the header.
    var clientIP: String {
        let peer = remoteAddress?.ipAddress ?? "unknown"
        return billing.config.trustedProxies.clientAddress(peer: peer, forwardedFor: headers[.xForwardedFor])
    }

    /// Where to send the browser after a form: only paths on this site.
    func safeReturnPath(_ candidate: String?, fallback: String) -> String {
        guard let candidate, SafeReturn.isLocalPath(candidate) else { return fallback }
        return candidate
    }
}

/// The one check of a return address taken from a request (`next=`, `back=`).
enum SafeReturn {
    /// A path on this site: starts with one `/`, holds only visible ASCII (browsers drop tabs and
    /// newlines, so `/\t/evil.example` would become `//evil.example`), no backslash (read as `/`),
    /// and is not too long.
    static func isLocalPath(_ candidate: String) -> Bool {
        guard candidate.hasPrefix("/"), candidate.count < 500 else { return false }
        guard candidate.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" }) else { return false }
        let second = candidate.dropFirst().first
        return second != "/"
    }
}

/// The proxies allowed to tell us a client's address (`BILLING_TRUSTED_PROXIES`).
public struct TrustedProxies: Sendable, Equatable {
    let addresses: Set<String>

    public init(_ addresses: [String]) { self.addresses = Set(addresses) }

    /// An IPv4 or IPv6 address in its usual text form.
    static func isAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return text.count <= 45 && (inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1)
    }

    /// The client's address: `X-Forwarded-For` is read right to left, skipping our own proxies,
    /// only when the peer itself is one of them.
    public func clientAddress(peer: String, forwardedFor: [String]) -> String {
        guard addresses.contains(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !addresses.contains(hop) {
            return Self.isAddress(hop) ? hop : peer
        }
        return peer
    }
}

/// bcrypt on Vapor's thread pool, so hashing (a quarter of a second at cost 12) never blocks the
/// event loop.
struct BcryptPasswordHasher: PasswordHashing {
    let threadPool: NIOThreadPool
    let eventLoop: any EventLoopGroup
    let cost: Int
    let decoyHash: String

    init(threadPool: NIOThreadPool, eventLoop: any EventLoopGroup, cost: Int) throws {
        self.threadPool = threadPool
        self.eventLoop = eventLoop
        self.cost = cost
        self.decoyHash = try Bcrypt.hash(SecretToken.generate(), cost: cost)
    }

    func hash(_ password: String) async throws -> String {
        let cost = cost
        return try await threadPool.runIfActive(eventLoop: eventLoop.any()) { try Bcrypt.hash(password, cost: cost) }.get()
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        try await threadPool.runIfActive(eventLoop: eventLoop.any()) { (try? Bcrypt.verify(password, created: hash)) ?? false }.get()
    }
}
