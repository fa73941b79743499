/// What kind of product a tariff plan sells (CAT-1). The kind decides which list a service
/// appears in, whether a server name is asked for, how early a subscription is charged, and
/// whether the client may delete the service.
public enum ProductType: String, Sendable, Codable, CaseIterable, Hashable {
    case vps
    case dedicated
    case hosting
    case domain
    case ssl
    case license
    case traffic

    /// Servers ask for a host name when ordered (seed 002: "myserver123").
    public var asksForDomainName: Bool { self == .vps || self == .dedicated || self == .domain || self == .ssl }

    /// Whether a client may delete the service before its paid period ends. Domains and
    /// certificates are registered for their term with a third party and cannot be taken back.
    public var clientMayDelete: Bool { self != .domain && self != .ssl }
    /// A machine the client runs: it has power (reboot), a console, a network, traffic.
    public var hasServer: Bool { self == .vps || self == .dedicated }
}

/// What an add-on measures. The unit is what the order form and the cart show next to the amount.
public enum AddonKind: String, Sendable, Codable, CaseIterable, Hashable {
    case disk, ram, cpu, ipv4, ipv6, traffic
    case panelLicense = "panel_license"
    case power, backup

    /// The catalog key of the unit text (`unit.mib`, `unit.pcs` …).
    public var unitKey: String {
        switch self {
        case .disk, .ram: "unit.mib"
        case .cpu, .ipv4, .ipv6, .panelLicense, .backup: "unit.pcs"
        case .traffic: "unit.gib"
        case .power: "unit.kwh"
        }
    }
}

/// How a configurable resource of a plan may be ordered: `included` units come with the plan,
/// the client may choose any amount from `minimum` to `maximum` in steps of `step` counted
/// from `minimum`, and each unit above `included` costs the add-on's unit price.
public struct AddonLimits: Sendable, Hashable, Codable {
    public let included: Int
    public let minimum: Int
    public let maximum: Int
    public let step: Int

    public enum Invalid: Error, Equatable, Sendable {
        case negative, minimumAboveMaximum, stepNotPositive, includedOutsideRange
    }

    public init(included: Int, minimum: Int, maximum: Int, step: Int) throws(Invalid) {
        guard included >= 0, minimum >= 0, maximum >= 0 else { throw .negative }
        guard minimum <= maximum else { throw .minimumAboveMaximum }
        guard step > 0 else { throw .stepNotPositive }
        guard included <= maximum else { throw .includedOutsideRange }
        self.included = included
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
    }

    /// Why a requested quantity is refused.
    public enum Refusal: Error, Equatable, Sendable {
        case belowMinimum(Int)
        case aboveMaximum(Int)
        case offStep(Int)
    }

    /// Checks a quantity the client asked for.
    public func validate(_ quantity: Int) throws(Refusal) {
        guard quantity >= minimum else { throw .belowMinimum(minimum) }
        guard quantity <= maximum else { throw .aboveMaximum(maximum) }
        guard (quantity - minimum) % step == 0 else { throw .offStep(step) }
    }

    /// The units the client pays for: those above the included amount.
    public func chargeable(_ quantity: Int) -> Int { max(0, quantity - included) }
}
