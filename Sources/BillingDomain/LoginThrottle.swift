import Foundation

/// The policy against password guessing that does not let a stranger lock a customer out
/// (ASVS 2.2.1). Failures are counted three ways:
/// - per e-mail **and** address: after `pairFailures` failures the pair waits, and each further
///   failure doubles the wait (1, 2, 4… minutes, at most a day). Someone guessing from their own
///   machine is slowed to a crawl, while the customer logging in from theirs is not affected;
/// - per address, over all e-mails: `addressFailures` in `addressWindow` lock the address
///   (credential stuffing). Behind a proxy the address is the client's (`BILLING_TRUSTED_PROXIES`);
/// - per e-mail, over all addresses: `accountFailuresPerHour` in an hour lock the e-mail for an
///   hour. Reaching it takes many machines, each slowed by the first rule. The owner is not locked
///   out by it: a right password from a browser that signed in before gets in, and from any other
///   one it mails a sign-in link (the answer is the same for a wrong password).
/// Unknown e-mails are counted and answered exactly like known ones.
public struct LoginThrottlePolicy: Sendable {
    public var pairFailures = 5
    public var addressFailures = 20
    public var addressWindow: TimeInterval = 15 * 60
    public var accountFailuresPerHour = 100
    /// The first wait once the pair's failures reach `pairFailures`; doubled by each further one.
    public var firstDelay: TimeInterval = 60
    public var longestDelay: TimeInterval = 24 * 3600
    /// How far back the pair's failures are counted.
    public var pairMemory: TimeInterval = 24 * 3600

    public init() {}

    /// What is known of recent failures, as the engine counts them.
    public struct Failures: Sendable, Equatable {
        /// Failures of this e-mail from this address within `pairMemory`, and the latest one.
        public var pair: Int
        public var lastPairFailure: Date?
        /// Failures from this address (any e-mail) within `addressWindow`.
        public var address: Int
        /// Failures of this e-mail (any address) within the last hour.
        public var account: Int

        public init(pair: Int, lastPairFailure: Date?, address: Int, account: Int) {
            self.pair = pair
            self.lastPairFailure = lastPairFailure
            self.address = address
            self.account = account
        }
    }

    /// How long the pair must still wait at `now` (zero: it may try).
    public func pairWait(_ failures: Failures, now: Date) -> TimeInterval {
        guard failures.pair >= pairFailures, let last = failures.lastPairFailure else { return 0 }
        let doublings = min(failures.pair - pairFailures, 30)
        let delay = min(firstDelay * pow(2, Double(doublings)), longestDelay)
        return max(0, last.addingTimeInterval(delay).timeIntervalSince(now))
    }

    /// Whether a login attempt from this address is refused before the password is even checked:
    /// the pair waits, or the address tried too many e-mails.
    public func isLockedHere(_ failures: Failures, now: Date) -> Bool {
        pairWait(failures, now: now) > 0 || failures.address >= addressFailures
    }

    /// Whether the e-mail's logins are locked by failures from everywhere. That lock never refuses
    /// a right password outright (a stranger could then lock the owner out): a trusted browser
    /// gets in, any other is sent a sign-in link.
    public func isAccountLocked(_ failures: Failures) -> Bool {
        failures.account >= accountFailuresPerHour
    }
}

/// Limits on requests that cost us something or reveal something when repeated: sign-ups (an
/// account and an e-mail each) and password-reset requests (an e-mail each), per address and
/// per e-mail, per hour.
public struct RequestLimits: Sendable {
    public var signUpsPerAddressPerHour = 10
    public var resetsPerAddressPerHour = 20
    public var resetsPerEmailPerHour = 5

    public init() {}
}
