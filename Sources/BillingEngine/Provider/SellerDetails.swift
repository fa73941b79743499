import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// The provider as a seller: legal name, address, tax number and the bank account that bank
/// transfers go to. Staff keep it in `/admin/billing`; bank-transfer invoices print it with the
/// invoice's payment reference, so a payer can make the transfer and a bookkeeper can match it.
public struct SellerDetails: Sendable, Equatable {
    public var legalName = ""
    public var address = ""
    public var taxID = ""
    public var bankName = ""
    /// IBAN or the local account number.
    public var account = ""
    /// BIC/SWIFT or the local bank code (МФО, БИК).
    public var bankCode = ""

    public init() {}

    /// Whether a payer has what a transfer needs: who receives it and where.
    public var isComplete: Bool { !legalName.isEmpty && !account.isEmpty }

    static let fields: [(key: String, limit: Int)] = [
        ("seller.legal_name", 200), ("seller.address", 400), ("seller.tax_id", 40),
        ("seller.bank_name", 200), ("seller.account", 64), ("seller.bank_code", 40)
    ]

    public subscript(key: String) -> String {
        get {
            switch key {
            case "seller.legal_name": legalName
            case "seller.address": address
            case "seller.tax_id": taxID
            case "seller.bank_name": bankName
            case "seller.account": account
            default: bankCode
            }
        }
        set {
            switch key {
            case "seller.legal_name": legalName = newValue
            case "seller.address": address = newValue
            case "seller.tax_id": taxID = newValue
            case "seller.bank_name": bankName = newValue
            case "seller.account": account = newValue
            default: bankCode = newValue
            }
        }
    }

    /// The text a payer writes in the transfer's purpose, and the bookkeeper searches for: the
    /// invoice number and the client code, e.g. `INV-1042 C-1001`.
    public static func paymentReference(invoiceNumber: Int, clientCode: Int) -> String {
        "INV-\(invoiceNumber) C-\(clientCode)"
    }

    public static func load(context: EngineContext) async throws -> SellerDetails { try await load(on: context.database) }

    public func save(context: EngineContext) async throws { try await save(on: context.database) }

    public static func load(on db: any Database) async throws -> SellerDetails {
        let rows = try await SettingRecord.query(on: db).filter(\.$id ~~ fields.map(\.key)).all()
        let values = Dictionary(uniqueKeysWithValues: rows.map { ($0.id!, $0.value) })
        var details = SellerDetails()
        for field in fields { details[field.key] = values[field.key] ?? "" }
        return details
    }

    /// Saves every field at once (trimmed); a field too long or with control characters is refused.
    public func save(on db: any Database) async throws {
        var values: [(String, String)] = []
        for field in Self.fields {
            let value = self[field.key].trimmingCharacters(in: .whitespacesAndNewlines)
            let allowsLines = field.key == "seller.address"
            guard value.count <= field.limit,
                !value.unicodeScalars.contains(where: {
                    $0.properties.generalCategory == .control && !(allowsLines && ($0 == "\n" || $0 == "\r"))
                })
            else { throw SellerDetailsError.field(field.key) }
            values.append((field.key, value))
        }
        try await SettingRecord.store(values, on: db)
    }
}

public enum SellerDetailsError: Error, Equatable, Sendable {
    /// A field longer than it may be, or holding control characters.
    case field(String)
}

extension SellerDetailsError: Refusal {
    public var code: String { "field_invalid" }
    public var textKey: String { "error.seller.field" }

    public var textArguments: [String: RefusalArgument] {
        switch self {
        case .field(let key): ["field": .key("admin." + key)]
        }
    }
}
