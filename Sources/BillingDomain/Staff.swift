/// What a member of the provider's staff may do. The one table (`SiteURL.access`, `APIAccess`)
/// names the right every staff page, form action and API operation needs; the guards and the
/// menu read it, and the use cases check it again on the `Caller`.
public enum StaffPermission: String, Sendable, Codable, CaseIterable, Hashable {
    case viewClients = "clients.view"
    case adjustBalances = "balances.adjust"
    /// See the staff members and their roles (`/admin/staff`).
    case manageStaff = "staff.manage"
    case viewOutbox = "outbox.view"
    /// Read the bodies of queued and sent e-mails (administrators; support sees the envelope).
    case readMailBodies = "outbox.bodies"
    /// Edit plans, prices, add-ons, promo codes, rates and billing settings.
    case manageCatalog = "catalog.manage"
    /// See clients' services, their history and jobs.
    case viewServices = "services.view"
    /// Run today's billing pass by hand (renewals, charges, expiry: it moves money).
    case runBilling = "billing.run"
    /// See payments, confirm bank transfers, refund, configure payment methods.
    case managePayments = "payments.manage"
    /// See the job queue (provisioning, mail, the daily steps), retry and cancel jobs.
    case manageJobs = "jobs.manage"
    /// Stop a client's service by administrator or for abuse, and start it again (ADM-1).
    case manageServices = "services.manage"
    /// The pool of dedicated servers and their BMC credentials.
    case manageServers = "servers.manage"
}

/// What staff do to a client's service (ADM-1): stop it by administrator, stop it for abuse,
/// start it again, and the module's operations on the client's behalf.
public enum StaffServiceAction: String, Sendable, CaseIterable, Hashable {
    case suspend, abuse, resume
    /// Open again a service that was Not available (staff added capacity).
    case retry
    /// Reboot a running server (a client on the phone whose server hangs).
    case reboot
    /// Reinstall a running server with one of its plan's systems: its disk is erased.
    case reinstall
    /// Delete the service and free what it holds on the backend; nothing is refunded.
    case delete
}

/// A named set of staff permissions.
public enum StaffRole: String, Sendable, Codable, CaseIterable, Hashable {
    /// Everything.
    case administrator
    /// Sees clients and answers them; cannot move money.
    case support
    /// Sees clients and corrects balances.
    case accountant

    /// The role's built-in rights; the provider may change them (`StaffRoles`), except the
    /// administrator's, which are always every right (nobody can lock the staff area).
    public var permissions: Set<StaffPermission> {
        switch self {
        case .administrator: Set(StaffPermission.allCases)
        case .support: [.viewClients, .viewOutbox, .viewServices]
        case .accountant: [.viewClients, .adjustBalances, .viewServices, .managePayments, .runBilling]
        }
    }

    public func allows(_ permission: StaffPermission) -> Bool { permissions.contains(permission) }
}

/// The state of a client account.
public enum AccountStatus: String, Sendable, Codable, CaseIterable {
    case active
    case blocked
}
