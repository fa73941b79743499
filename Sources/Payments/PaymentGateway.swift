import BillingDomain
import Foundation

/// A payment gateway driver: the sandbox card gateway that ships with the product, Stripe,
/// YooKassa. Card data never passes through the platform: checkouts and set-ups redirect the
/// payer to the gateway's page, and saved methods are the gateway's tokens.
public protocol PaymentGateway: Sendable {
    /// The stable name used in ledger clearing accounts and webhook URLs: `sandbox`, `stripe`, `yookassa`.
    var name: String { get }
    /// Whether a method can be saved without a payment (a set-up flow).
    var supportsSetup: Bool { get }

    /// Starts a payment on the gateway's page. Called again with the same idempotency key, the
    /// gateway answers with the same session (a double click makes one checkout).
    func startCheckout(_ request: CheckoutRequest) async throws -> GatewayRedirect
    /// Starts saving a method without a payment (FIN-8).
    func startSetup(_ request: SetupRequest) async throws -> GatewayRedirect
    /// Charges a saved method without the payer present (subscriptions, autopayment).
    func charge(_ request: OffSessionCharge) async throws -> ChargeOutcome
    /// Returns `amount` of a captured payment to the payer; answers the gateway's refund id.
    func refund(gatewayPaymentID: String, amount: Money, idempotencyKey: String) async throws -> String
    /// Checks a webhook delivery (signature and timestamp, or the gateway's own record) and
    /// reads what happened. Throws `WebhookRejection` for anything not provably from the gateway.
    func verifyWebhook(body: Data, headers: [String: String], receivedAt: Date) async throws -> WebhookEnvelope
    /// The origins of the gateway's own pages a payer is sent to (`https://checkout.stripe.com`):
    /// the pages' content security policy lets forms lead there and nowhere else.
    var pageOrigins: [String] { get }
}

extension PaymentGateway {
    public var pageOrigins: [String] { [] }

    /// `scheme://host[:port]` of a URL, for a content security policy.
    public static func origin(of url: String) -> String? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme, let host = parsed.host else { return nil }
        return "\(scheme)://\(host)" + (parsed.port.map { ":\($0)" } ?? "")
    }
}

/// A payment to start on the gateway's page.
public struct CheckoutRequest: Sendable, Equatable {
    /// Our payment's id: the gateway hands it back in its events.
    public var reference: String
    /// What the payer pays (commission included).
    public var amount: Money
    public var description: String
    public var returnURL: String
    public var cancelURL: String
    /// "Remember this method" (FIN-8).
    public var saveMethod: Bool
    public var customerEmail: String
    /// The gateway's customer for this account, when one exists (Stripe).
    public var customerID: String?
    public var idempotencyKey: String

    public init(
        reference: String, amount: Money, description: String, returnURL: String, cancelURL: String,
        saveMethod: Bool, customerEmail: String, customerID: String?, idempotencyKey: String
    ) {
        self.reference = reference
        self.amount = amount
        self.description = description
        self.returnURL = returnURL
        self.cancelURL = cancelURL
        self.saveMethod = saveMethod
        self.customerEmail = customerEmail
        self.customerID = customerID
        self.idempotencyKey = idempotencyKey
    }
}

/// Saving a method without a payment.
public struct SetupRequest: Sendable, Equatable {
    /// Our saved method's id.
    public var reference: String
    public var currency: Currency
    public var returnURL: String
    public var cancelURL: String
    public var customerEmail: String
    public var customerID: String?
    public var idempotencyKey: String

    public init(
        reference: String, currency: Currency, returnURL: String, cancelURL: String, customerEmail: String,
        customerID: String?, idempotencyKey: String
    ) {
        self.reference = reference
        self.currency = currency
        self.returnURL = returnURL
        self.cancelURL = cancelURL
        self.customerEmail = customerEmail
        self.customerID = customerID
        self.idempotencyKey = idempotencyKey
    }
}

/// Where to send the payer, and the gateway's ids to remember.
public struct GatewayRedirect: Sendable, Equatable {
    public let sessionID: String
    public let url: String
    /// The gateway customer created for this account, to reuse next time.
    public let customerID: String?

    public init(sessionID: String, url: String, customerID: String? = nil) {
        self.sessionID = sessionID
        self.url = url
        self.customerID = customerID
    }
}

/// A charge of a saved method with nobody at the keyboard.
public struct OffSessionCharge: Sendable, Equatable {
    public var reference: String
    public var amount: Money
    public var methodToken: String
    public var customerID: String?
    public var description: String
    public var idempotencyKey: String

    public init(reference: String, amount: Money, methodToken: String, customerID: String?, description: String, idempotencyKey: String) {
        self.reference = reference
        self.amount = amount
        self.methodToken = methodToken
        self.customerID = customerID
        self.description = description
        self.idempotencyKey = idempotencyKey
    }
}

/// What an off-session charge did.
public enum ChargeOutcome: Sendable, Equatable {
    case succeeded(gatewayPaymentID: String, amount: Money)
    /// Refused by the card's bank or the gateway; the method needs the client's attention.
    case declined(reason: String)
}

/// A card or wallet kept at the gateway: its token and what the client is shown.
public struct SavedCard: Sendable, Equatable, Codable {
    public let token: String
    public let customerID: String?
    /// "Visa •••• 4242": never more than the brand and the last four digits.
    public let label: String

    public init(token: String, customerID: String?, label: String) {
        self.token = token
        self.customerID = customerID
        self.label = label
    }
}

/// What a verified webhook says happened.
public enum GatewayEvent: Sendable, Equatable {
    /// Money was captured. `amount` is the gateway's figure, never the client's.
    case paymentSucceeded(reference: String, gatewayPaymentID: String, amount: Money, savedCard: SavedCard?)
    case paymentFailed(reference: String)
    case setupSucceeded(reference: String, card: SavedCard)
    case setupFailed(reference: String)
    /// An event type the platform does not act on.
    case ignored(type: String)
}

/// A verified webhook: the gateway's event id (the deduplication key) and the event.
public struct WebhookEnvelope: Sendable, Equatable {
    public let eventID: String
    public let event: GatewayEvent

    public init(eventID: String, event: GatewayEvent) {
        self.eventID = eventID
        self.event = event
    }
}

/// Why a webhook delivery was refused. Nothing changes, and the refusal is logged.
public enum WebhookRejection: Error, Sendable, Equatable {
    case missingSignature
    case badSignature
    case staleTimestamp
    case malformed
}

/// A gateway that could not be reached or refused the request.
public enum GatewayFailure: Error, Sendable, Equatable {
    /// Network failure or a 5xx: safe to retry with the same idempotency key.
    case unavailable(String)
    /// The gateway refused the request (4xx): retrying will not help.
    case rejected(String)
    case unsupported
}
