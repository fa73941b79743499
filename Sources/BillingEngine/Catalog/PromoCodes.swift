import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// What staff fill in to create a promo code (CAT-4).
public struct PromoCodeForm: Sendable {
    public var code: String
    public var kind: PromoKind
    /// A percentage (10 = 10 %, at most 100) or an amount in the provider's currency.
    public var value: Money
    public var planID: UUID?
    public var validFrom: LocalDate?
    public var validUntil: LocalDate?
    public var usageLimit: Int?
    public var oncePerClient: Bool

    public init(
        code: String, kind: PromoKind, value: Money, planID: UUID? = nil, validFrom: LocalDate? = nil, validUntil: LocalDate? = nil,
        usageLimit: Int? = nil, oncePerClient: Bool = false
    ) {
        self.code = code
        self.kind = kind
        self.value = value
        self.planID = planID
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.usageLimit = usageLimit
        self.oncePerClient = oncePerClient
    }
}

/// Why a promo code cannot be created.
public enum PromoCodeError: Error, Equatable, Sendable {
    /// The code is empty, too long or has other characters than letters, digits, `-` and `_`;
    /// or a percentage above 100.
    case invalid
    case datesReversed
    case usageLimit
    case exists
}

extension PromoCodeError: Refusal {
    public var code: String {
        switch self {
        case .invalid: "promo_invalid"
        case .datesReversed: "promo_dates"
        case .usageLimit: "promo_limit"
        case .exists: "promo_exists"
        }
    }

    public var textKey: String {
        switch self {
        case .invalid: "error.billing.promo"
        case .datesReversed: "error.billing.promo_dates"
        case .usageLimit: "error.billing.promo_limit"
        case .exists: "error.billing.promo_exists"
        }
    }
}

/// Staff's promo codes (CAT-4): creating them and the list on the billing page. Applying one to
/// an order is `OrderPricing`'s.
public struct PromoCodes: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// The newest codes first.
    public func recent(limit: Int = 100) async throws -> [PromoCode] {
        try await PromoCodeRecord.query(on: context.database).sort(\.$createdAt, .descending).limit(limit).all()
            .map { PromoCode($0, fallback: context.provider.defaultCurrency) }
    }

    /// Creates a code, upper-cased; a code that exists already is refused.
    @discardableResult
    public func create(_ form: PromoCodeForm, caller: Caller) async throws -> PromoCode {
        try caller.require(.manageCatalog)
        let code = form.code.trimmingCharacters(in: .whitespaces).uppercased()
        guard !code.isEmpty, code.count <= 40, code.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }),
            form.value.isPositive,
            form.kind == .fixed || form.value.units <= 100 * Money.unitsPerMajor
        else { throw PromoCodeError.invalid }
        if let from = form.validFrom, let until = form.validUntil, until < from { throw PromoCodeError.datesReversed }
        if let limit = form.usageLimit, limit < 1 { throw PromoCodeError.usageLimit }
        // A percentage is kept in basis points: 10 % → 1000 (1/10 000 units divided by 100).
        let value = form.kind == .percent ? form.value.units / 100 : form.value.units
        let record = PromoCodeRecord(
            code: code, kind: form.kind, value: value, currency: form.kind == .fixed ? form.value.currency : nil,
            planID: form.planID, validFrom: form.validFrom?.iso, validUntil: form.validUntil?.iso, usageLimit: form.usageLimit,
            oncePerClient: form.oncePerClient, createdAt: context.clock.now)
        if try await PromoCodeRecord.query(on: context.database).filter(\.$code == code).first() != nil { throw PromoCodeError.exists }
        do { try await record.create(on: context.database) } catch  where error.isConstraintViolation {
            // Two staff creating the same code at once: the unique index decides.
            throw PromoCodeError.exists
        }
        return PromoCode(record, fallback: context.provider.defaultCurrency)
    }
}
