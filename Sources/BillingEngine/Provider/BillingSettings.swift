import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// The provider's billing rules that staff set in `/admin/settings`, kept in `app_settings` so
/// every instance reads the same.
public struct BillingSettings: Sendable, Equatable {
    /// Whether catalog prices include VAT or VAT is added on top.
    public var taxMode: TaxMode = .included
    /// Whether new services are aligned to the first of the month (with a prorated first period).
    public var alignment: BillingAlignment = .none
    /// Days an expired, unpaid service is kept before it is deleted.
    public var graceDays: Int = 14
    /// Days before expiry the "expires soon" notice goes out.
    public var noticeDays: Int = 3

    public init() {}

    static let keys = (
        taxMode: "billing.tax_mode", alignment: "billing.alignment", grace: "billing.grace_days",
        notice: "billing.notice_days"
    )

    public static func load(context: EngineContext) async throws -> BillingSettings { try await load(on: context.database) }

    public func save(context: EngineContext) async throws { try await save(on: context.database) }

    public static func load(on db: any Database) async throws -> BillingSettings {
        let rows = try await SettingRecord.query(on: db).filter(\.$id ~~ [keys.taxMode, keys.alignment, keys.grace, keys.notice]).all()
        let values = Dictionary(uniqueKeysWithValues: rows.map { ($0.id!, $0.value) })
        var settings = BillingSettings()
        if let mode = values[keys.taxMode].flatMap(TaxMode.init(rawValue:)) { settings.taxMode = mode }
        if let alignment = values[keys.alignment].flatMap(BillingAlignment.init(rawValue:)) { settings.alignment = alignment }
        if let grace = values[keys.grace].flatMap(Int.init), grace >= 0 { settings.graceDays = grace }
        if let notice = values[keys.notice].flatMap(Int.init), notice >= 0 { settings.noticeDays = notice }
        return settings
    }

    public func save(on db: any Database) async throws {
        guard (0...365).contains(graceDays) else { throw BillingSettingsError.graceDays }
        guard (0...60).contains(noticeDays) else { throw BillingSettingsError.noticeDays }
        let values = [
            (Self.keys.taxMode, taxMode.rawValue), (Self.keys.alignment, alignment.rawValue),
            (Self.keys.grace, String(graceDays)), (Self.keys.notice, String(noticeDays))
        ]
        try await SettingRecord.store(values, on: db)
    }
}

public enum BillingSettingsError: Error, Equatable, Sendable { case graceDays, noticeDays }

extension BillingSettingsError: Refusal {
    public var code: String {
        switch self {
        case .graceDays: "grace_days_invalid"
        case .noticeDays: "notice_days_invalid"
        }
    }

    public var textKey: String {
        switch self {
        case .graceDays: "error.billing.days"
        case .noticeDays: "error.billing.days"
        }
    }
}
