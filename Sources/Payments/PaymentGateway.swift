import BillingDomain

/// A payment gateway driver (sandbox card gateway, Stripe, YooKassa). The protocol grows with the
/// payments issue; it exists now so the engine's checkout has a port to call.
public protocol PaymentGateway: Sendable {
    /// The stable name used in ledger clearing accounts, e.g. `sandbox`, `stripe`.
    var name: String { get }
}
