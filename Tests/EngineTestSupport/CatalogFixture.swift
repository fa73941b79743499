import BillingDomain
import BillingEngine
import BillingStore
import FluentKit
import Foundation

/// A small catalog with round prices, so scenario tests can assert every amount by hand.
/// All prices are in EUR, tax included (the default), RAM priced at 0.01 € per MiB and month.
public struct CatalogFixture: Sendable {
    public let monthly: UUID
    public let ram: UUID
    public let yearly: UUID
    public let trial: UUID
    public let daily: UUID
    public let domain: UUID
    public let otherPlanAddon: UUID

    public static func make(_ platform: some TestPlatform) async throws -> CatalogFixture {
        let catalog = Catalog(context: platform.engine)
        let monthly = try await catalog.savePlan(
            .init(productType: .vps, name: "VPS M", osImages: ["Debian 12", "Ubuntu 24.04"]), caller: .testStaff)
        try await catalog.setPrice(ownerID: monthly, period: .month, amount: Money(major: 10, .EUR), caller: .testStaff)
        try await catalog.setPrice(ownerID: monthly, period: .year, amount: Money(major: 100, .EUR), caller: .testStaff)
        let ram = try await catalog.saveAddon(
            .init(kind: .ram, name: "RAM", included: 1024, minimum: 1024, maximum: 4096, step: 512),
            planID: monthly, caller: .testStaff)
        try await catalog.setPrice(ownerID: ram, period: .month, amount: Money(units: 100, currency: .EUR), caller: .testStaff)
        try await catalog.setPrice(ownerID: ram, period: .year, amount: Money(units: 1_000, currency: .EUR), caller: .testStaff)
        let yearly = try await catalog.savePlan(.init(productType: .hosting, name: "Hosting Y"), caller: .testStaff)
        try await catalog.setPrice(ownerID: yearly, period: .year, amount: Money(major: 100, .EUR), caller: .testStaff)
        let trial = try await catalog.savePlan(.init(productType: .vps, name: "VPS Trial", trialDays: 30), caller: .testStaff)
        try await catalog.setPrice(ownerID: trial, period: .month, amount: Money(major: 4, .EUR), caller: .testStaff)
        let daily = try await catalog.savePlan(.init(productType: .hosting, name: "Cloud daily"), caller: .testStaff)
        try await catalog.setPrice(ownerID: daily, period: .day, amount: Money(minor: 35, .EUR), caller: .testStaff)
        let domain = try await catalog.savePlan(.init(productType: .domain, name: ".com domain"), caller: .testStaff)
        try await catalog.setPrice(ownerID: domain, period: .year, amount: Money(major: 12, .EUR), caller: .testStaff)
        let other = try await catalog.saveAddon(
            .init(kind: .cpu, name: "CPU", included: 1, minimum: 1, maximum: 4, step: 1), planID: trial, caller: .testStaff)
        try await catalog.setPrice(ownerID: other, period: .month, amount: Money(major: 2, .EUR), caller: .testStaff)
        return CatalogFixture(monthly: monthly, ram: ram, yearly: yearly, trial: trial, daily: daily, domain: domain, otherPlanAddon: other)
    }
}
