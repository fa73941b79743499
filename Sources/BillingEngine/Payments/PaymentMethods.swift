import BillingDomain
import BillingStore
import FluentKit
import FluentSQL
import Foundation
import Payments

/// A payment method as the client area, staff and the flow use it: typed, with its terms read.
public struct PaymentMethod: Sendable, TranslatedTexts {
    let record: PaymentMethodRecord
    public let kind: PaymentMethodKind
    public let currency: Currency
    public let terms: PaymentTerms
    public let payerKinds: Set<PayerKind>

    init(_ record: PaymentMethodRecord) {
        self.record = record
        self.kind = record.kind
        self.currency = record.currency
        self.terms = PaymentTerms(
            commissionPercent: Percentage(basisPoints: record.commissionBasisPoints),
            commissionFixed: record.money(\.commissionFixed),
            minimum: record.money(\.minimum),
            maximum: record.money(\.maximum),
            cashbackPercent: Percentage(basisPoints: record.cashbackBasisPoints))
        self.payerKinds = Set(record.payerKinds.split(separator: ",").compactMap { PayerKind(rawValue: String($0)) })
        self.translations = Translations.decode(record.translations)
    }

    public var id: UUID { record.id! }
    /// The name in English (required); `name(in:)` for the reader's language.
    public var name: String { record.name }
    public let translations: [String: String]

    /// The name in `language`, or the English one when staff did not translate it.
    public func name(in language: Language) -> String { translated("name", english: name, in: language) }
    /// Offered to clients.
    public var enabled: Bool { record.enabled }

    /// The description in `language`, falling back to English, then to any.
    public func description(in language: Language) -> String {
        let all = (try? JSONDecoder().decode([String: String].self, from: Data(record.descriptions.utf8))) ?? [:]
        return all[language.rawValue].flatMap { $0.isEmpty ? nil : $0 } ?? all["en"] ?? all.values.first ?? ""
    }
}

/// What staff enter for a payment method (FIN-3).
public struct PaymentMethodForm: Sendable {
    public var kind: PaymentMethodKind
    /// The name in English (required).
    public var name: String
    /// The name in other languages; an empty one shows the English name.
    public var names: [Language: String]
    public var descriptions: [Language: String]
    public var currency: Currency
    public var commissionPercent: Percentage
    public var commissionFixed: Money
    public var minimum: Money?
    public var maximum: Money?
    public var cashbackPercent: Percentage
    public var payerKinds: Set<PayerKind>
    public var enabled: Bool

    public init(
        kind: PaymentMethodKind, name: String, names: [Language: String] = [:], descriptions: [Language: String] = [:],
        currency: Currency,
        commissionPercent: Percentage = .zero, commissionFixed: Money? = nil, minimum: Money? = nil, maximum: Money? = nil,
        cashbackPercent: Percentage = .zero, payerKinds: Set<PayerKind> = Set(PayerKind.allCases), enabled: Bool = true
    ) {
        self.kind = kind
        self.name = name
        self.names = names
        self.descriptions = descriptions
        self.currency = currency
        self.commissionPercent = commissionPercent
        self.commissionFixed = commissionFixed ?? .zero(currency)
        self.minimum = minimum
        self.maximum = maximum
        self.cashbackPercent = cashbackPercent
        self.payerKinds = payerKinds
        self.enabled = enabled
    }
}

/// The payment methods the provider configures, and which of them a client may use.
public struct PaymentMethods: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    /// Creates a method (`id` nil) or updates one; the form's amounts must be in its currency.
    @discardableResult
    public func save(_ form: PaymentMethodForm, id: UUID? = nil, caller: Caller) async throws -> UUID {
        try caller.require(.managePayments)
        let name = form.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw PaymentMethodError.nameMissing }
        guard !form.payerKinds.isEmpty else { throw PaymentMethodError.noPayerKinds }
        let amounts = [form.commissionFixed] + [form.minimum, form.maximum].compactMap { $0 }
        guard amounts.allSatisfy({ $0.currency == form.currency }) else { throw PaymentMethodError.currencyMismatch }
        if let minimum = form.minimum, let maximum = form.maximum, maximum < minimum { throw PaymentMethodError.minimumAboveMaximum }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let descriptions = String(
            decoding: try encoder.encode(Dictionary(uniqueKeysWithValues: form.descriptions.map { ($0.key.rawValue, $0.value) })),
            as: UTF8.self)
        let kinds = PayerKind.allCases.filter(form.payerKinds.contains).map(\.rawValue).joined(separator: ",")
        let record: PaymentMethodRecord
        if let id, let existing = try await PaymentMethodRecord.find(id, on: context.database) {
            record = existing
        } else {
            let count = try await PaymentMethodRecord.query(on: context.database).count()
            record = PaymentMethodRecord(
                kind: form.kind, name: name, descriptions: descriptions, currency: form.currency,
                commissionBasisPoints: 0, commissionFixed: 0, minimum: nil, maximum: nil,
                cashbackBasisPoints: 0, payerKinds: kinds, enabled: form.enabled, position: count + 1,
                createdAt: context.clock.now)
        }
        record.kind = form.kind
        record.name = name
        record.translations = Translations.encode(
            Dictionary(uniqueKeysWithValues: form.names.filter { $0.key != .en }.map { ("name.\($0.key.rawValue)", $0.value) }))
        record.descriptions = descriptions
        record.currency = form.currency
        record.commissionBasisPoints = form.commissionPercent.basisPoints
        record.commissionFixed = form.commissionFixed.units
        record.minimum = form.minimum?.units
        record.maximum = form.maximum?.units
        record.cashbackBasisPoints = form.cashbackPercent.basisPoints
        record.payerKinds = kinds
        record.enabled = form.enabled
        try await record.save(on: context.database)
        return record.id!
    }

    /// Every method, for staff.
    public func all() async throws -> [PaymentMethod] {
        // Read by plain SQL: the payments pages list every method on each request.
        try await PaymentMethodRecord.plainRead(
            "SELECT \(PaymentMethodRecord.columnList) FROM payment_methods ORDER BY position, id", on: context.database.sql
        ).map(PaymentMethod.init)
    }

    public func method(_ id: UUID) async throws -> PaymentMethod? {
        try await PaymentMethodRecord.find(id, on: context.database).map(PaymentMethod.init)
    }

    /// The methods a client may pay with: enabled, in the account's currency, with a driver
    /// configured for gateways. `topUp` leaves out the balance (it cannot top itself up).
    public func available(for account: Account, topUp: Bool) async throws -> [PaymentMethod] {
        let account = try await context.record(of: account)
        return try await all().filter { method in
            guard method.record.enabled, method.currency == account.currency else { return false }
            if method.kind == .balance { return !topUp }
            if method.kind.isGateway { return context.gateways.driver(method.kind.rawValue) != nil }
            return true
        }
    }

    /// Seeds the methods a fresh installation offers: the balance, bank transfer and the
    /// sandbox card in every currency the demo catalog sells in. Does nothing when methods exist.
    public func seedDefaults(currencies: [Currency]) async throws {
        guard try await PaymentMethodRecord.query(on: context.database).count() == 0 else { return }
        let provider = Caller.provider(job: "defaults")
        for currency in currencies {
            try await save(
                PaymentMethodForm(
                    kind: .balance, name: "Personal account", names: [.ru: "Лицевой счёт", .uk: "Особовий рахунок"],
                    descriptions: [
                        .en: "Pay from your balance.", .ru: "Оплата с лицевого счёта.", .uk: "Оплата з особового рахунку."
                    ], currency: currency), caller: provider)
            try await save(
                PaymentMethodForm(
                    kind: .sandbox, name: "Bank card", names: [.ru: "Банковская карта", .uk: "Банківська картка"],
                    descriptions: [
                        .en: "Visa or Mastercard through the sandbox gateway. Test card 4242 4242 4242 4242.",
                        .ru: "Visa или Mastercard через тестовый шлюз. Тестовая карта 4242 4242 4242 4242.",
                        .uk: "Visa або Mastercard через тестовий шлюз. Тестова картка 4242 4242 4242 4242."
                    ], currency: currency, commissionPercent: Percentage(basisPoints: 250), cashbackPercent: Percentage(basisPoints: 100)),
                caller: provider)
            try await save(
                PaymentMethodForm(
                    kind: .bankTransfer, name: "Bank transfer", names: [.ru: "Банковский перевод", .uk: "Банківський переказ"],
                    descriptions: [
                        .en: "Pay the invoice from your bank; we credit it when the money arrives (1–3 business days).",
                        .ru: "Оплатите счёт в своём банке; мы зачислим платёж, когда деньги поступят (1–3 рабочих дня).",
                        .uk: "Сплатіть рахунок у своєму банку; ми зарахуємо платіж, коли гроші надійдуть (1–3 робочі дні)."
                    ], currency: currency, minimum: Money(major: 10, currency), payerKinds: [.company]), caller: provider)
        }
    }
}

public enum PaymentMethodError: Error, Equatable, Sendable {
    case nameMissing
    case noPayerKinds
    case minimumAboveMaximum
    case currencyMismatch
}

extension PaymentMethodError: Refusal {
    public var code: String {
        switch self {
        case .nameMissing: "name_missing"
        case .noPayerKinds: "payer_kinds_missing"
        case .minimumAboveMaximum: "limits_invalid"
        case .currencyMismatch: "amount_invalid"
        }
    }

    public var textKey: String {
        switch self {
        case .nameMissing: "error.payment_method.name"
        case .noPayerKinds: "error.payment_method.payer_kinds"
        case .minimumAboveMaximum: "error.payment_method.limits"
        case .currencyMismatch: "error.payment_method.currency"
        }
    }
}
