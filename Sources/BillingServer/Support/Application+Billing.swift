import BillingDomain
import BillingEngine
import BillingStore
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
}

extension Request {
    var billing: BillingRuntime { application.billing }
    var engine: EngineContext { application.billing.engine }
    var texts: Localizer { Localizer.shared }

    /// The client address used for throttling and the login history.
    var clientIP: String { remoteAddress?.ipAddress ?? "unknown" }

    /// Where to send the browser after a form: only paths on this site, never `//evil.example`.
    func safeReturnPath(_ candidate: String?, fallback: String) -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.contains("\\"),
              candidate.count < 500 else { return fallback }
        return candidate
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
