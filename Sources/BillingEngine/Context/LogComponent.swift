import Logging

/// The parts of the engine with side effects, as their log lines name them (`component=…`), so
/// an operator can follow one of them: `grep component=payments`.
public enum LogComponent: String, Sendable, CaseIterable {
    /// The daily billing pass: renewals, expiry, deletion, notices.
    case renewals
    /// Who may get in: staff members created, and later sub-users and their rights.
    case access
    /// The job runner that leases and runs the daily pass.
    case jobs
    /// Payments and refunds: created, credited, cancelled, refunded.
    case payments
    /// Gateways' notices (webhooks).
    case webhooks
    /// Calls to payment gateways without the client present (saved methods, autopayment).
    case gateways
    /// E-mail delivery from the outbox.
    case mail
    /// Text messages (phone confirmation codes) through the SMS channel.
    case sms
    /// Orders paid from the balance and services' lifecycle.
    case orders
}
