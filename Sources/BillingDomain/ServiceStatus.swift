/// The state of a service (SVC-2, seeds 002 and 003). Stored by its raw value.
public enum ServiceStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// In the cart or paid and waiting to be opened.
    case ordered
    /// A processing module is working on it (`ProcessingOperation` says what).
    case processing
    case active
    /// Stopped by the client; a daily-billed service is not charged while suspended.
    case suspendedByClient = "suspended_by_client"
    /// Stopped by the client; a periodically billed service keeps its paid period.
    case stoppedByClient = "stopped_by_client"
    case stoppedByAdmin = "stopped_by_admin"
    case stoppedForAbuse = "stopped_for_abuse"
    /// The paid period ended and the renewal could not be paid; deleted after the grace period.
    case expired
    /// Ordered through a quick order: more data is needed before it can be opened.
    case configurationRequired = "configuration_required"
    /// The panel has no resources to open it.
    case unavailable
    case deleted

    /// Statuses a renewal may extend: the service exists and was not stopped by the provider.
    public var renewable: Bool { self == .active || self == .stoppedByClient || self == .expired }

    /// The `renewable` statuses, for queries.
    public static let renewableStatuses = allCases.filter(\.renewable)
}

/// What a processing module is doing to a service while its status is `processing`.
public enum ProcessingOperation: String, Sendable, Codable, CaseIterable, Hashable {
    case opening
    case switchingOff = "switching_off"
    case switchingOn = "switching_on"
    case reboot, reinstall, renewal, transfer, deletion
}

/// Something that happens to a service; the status machine decides where it leads.
public enum ServiceEvent: Sendable, Hashable {
    /// The order was paid: start opening (or ask for configuration first).
    case paid
    case configurationMissing
    case configured
    /// The module finished opening the service.
    case opened
    /// The module has no resources for it.
    case noResources
    /// Resources appeared again: retry opening.
    case retryOpening
    /// The client asked to stop a running service: the module switches it off.
    case switchOffRequested
    /// The client asked to start a service it stopped: the module switches it on.
    case switchOnRequested
    /// The module switched it off (Suspended for daily billing, Stopped otherwise).
    case stoppedByClient(dailyBilling: Bool)
    /// The module switched it on again.
    case startedByClient
    /// The module could not switch it off or on for good: it is back where it was.
    case switchFailed(dailyBilling: Bool)
    /// The client asked to reboot a running server: the module restarts it.
    case rebootRequested
    /// A hard reset of a hung server (the power cut and back): the reboot's transitions.
    case resetRequested
    /// The module rebooted it, or could not for good: it is Active again either way (a failed
    /// reboot leaves a history line; the server ran on).
    case rebooted
    case rebootFailed
    /// The client asked for a fresh OS on a running server: the module reinstalls it.
    case reinstallRequested
    /// Reinstalled with the chosen OS, or not for good (the server runs on as it was).
    case reinstalled
    case reinstallFailed
    case stoppedByAdmin
    case startedByAdmin
    case stoppedForAbuse
    /// The paid period ended without a paid renewal.
    case expired
    /// A renewal was paid: an expired service comes back, a running one stays as it is.
    case renewalPaid
    /// Deletion was requested: the module removes it.
    case deletionRequested
    /// The module finished deleting.
    case deletionCompleted

    /// The stable name stored in the history.
    public var name: String {
        switch self {
        case .paid: "paid"
        case .configurationMissing: "configuration_missing"
        case .configured: "configured"
        case .opened: "opened"
        case .noResources: "no_resources"
        case .retryOpening: "retry_opening"
        case .switchOffRequested: "switch_off_requested"
        case .switchOnRequested: "switch_on_requested"
        case .stoppedByClient: "stopped_by_client"
        case .startedByClient: "started_by_client"
        case .switchFailed: "switch_failed"
        case .rebootRequested: "reboot_requested"
        case .resetRequested: "reset_requested"
        case .rebooted: "rebooted"
        case .rebootFailed: "reboot_failed"
        case .reinstallRequested: "reinstall_requested"
        case .reinstalled: "reinstalled"
        case .reinstallFailed: "reinstall_failed"
        case .stoppedByAdmin: "stopped_by_admin"
        case .startedByAdmin: "started_by_admin"
        case .stoppedForAbuse: "stopped_for_abuse"
        case .expired: "expired"
        case .renewalPaid: "renewal_paid"
        case .deletionRequested: "deletion_requested"
        case .deletionCompleted: "deleted"
        }
    }
}

/// A service's status together with the operation in progress when it is `processing`.
public struct ServiceState: Sendable, Hashable {
    public let status: ServiceStatus
    public let operation: ProcessingOperation?

    public init(_ status: ServiceStatus, operation: ProcessingOperation? = nil) {
        self.status = status
        self.operation = status == .processing ? operation : nil
    }

    /// An event that is not allowed in the current state.
    public struct Refused: Error, Equatable, Sendable {
        public let from: ServiceStatus
        public let event: String
    }

    /// The allowed transitions of SVC-2. Anything not listed is refused, so a stopped-for-abuse
    /// service cannot be started by its client and a deleted one never comes back.
    public func applying(_ event: ServiceEvent) throws(Refused) -> ServiceState {
        let refused = Refused(from: status, event: event.name)
        switch (status, event) {
        case (.ordered, .paid): return ServiceState(.processing, operation: .opening)
        case (.ordered, .configurationMissing): return ServiceState(.configurationRequired)
        case (.configurationRequired, .configured): return ServiceState(.ordered)
        case (.processing, .opened) where operation == .opening: return ServiceState(.active)
        case (.processing, .noResources) where operation == .opening: return ServiceState(.unavailable)
        case (.unavailable, .retryOpening): return ServiceState(.processing, operation: .opening)
        case (.active, .switchOffRequested): return ServiceState(.processing, operation: .switchingOff)
        case (.suspendedByClient, .switchOnRequested), (.stoppedByClient, .switchOnRequested):
            return ServiceState(.processing, operation: .switchingOn)
        case (.processing, .stoppedByClient(let daily)) where operation == .switchingOff:
            return ServiceState(daily ? .suspendedByClient : .stoppedByClient)
        case (.processing, .startedByClient) where operation == .switchingOn: return ServiceState(.active)
        case (.processing, .switchFailed) where operation == .switchingOff: return ServiceState(.active)
        case (.active, .rebootRequested), (.active, .resetRequested): return ServiceState(.processing, operation: .reboot)
        case (.active, .reinstallRequested): return ServiceState(.processing, operation: .reinstall)
        case (.processing, .reinstalled) where operation == .reinstall, (.processing, .reinstallFailed) where operation == .reinstall:
            return ServiceState(.active)
        case (.processing, .rebooted) where operation == .reboot, (.processing, .rebootFailed) where operation == .reboot:
            return ServiceState(.active)
        case (.processing, .switchFailed(let daily)) where operation == .switchingOn:
            return ServiceState(daily ? .suspendedByClient : .stoppedByClient)
        case (.active, .stoppedByAdmin), (.suspendedByClient, .stoppedByAdmin), (.stoppedByClient, .stoppedByAdmin),
            (.expired, .stoppedByAdmin):
            return ServiceState(.stoppedByAdmin)
        case (.stoppedByAdmin, .startedByAdmin), (.stoppedForAbuse, .startedByAdmin): return ServiceState(.active)
        case (.active, .stoppedForAbuse), (.stoppedByClient, .stoppedForAbuse), (.suspendedByClient, .stoppedForAbuse):
            return ServiceState(.stoppedForAbuse)
        case (.active, .expired), (.stoppedByClient, .expired), (.suspendedByClient, .expired): return ServiceState(.expired)
        case (.expired, .renewalPaid): return ServiceState(.active)
        case (.active, .renewalPaid), (.stoppedByClient, .renewalPaid): return self
        case (.processing, .deletionCompleted) where operation == .deletion: return ServiceState(.deleted)
        case (.processing, _), (.deleted, _): throw refused
        case (_, .deletionRequested): return ServiceState(.processing, operation: .deletion)
        default: throw refused
        }
    }
}
