/// The states and kinds the stored records keep as text columns. Records hold these typed
/// (`@Field var status: OrderStatus`), so no caller compares or writes the text itself.

/// Where an order stands (CAT-5).
public enum OrderStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case pending, paid, cancelled
}

/// What an order item buys: a new service or another period of one.
public enum OrderItemKind: String, Sendable, Codable, CaseIterable, Hashable {
    case new, renewal
}

/// What a payment is for (FIN-3).
public enum PaymentPurpose: String, Sendable, Codable, CaseIterable, Hashable {
    case topUp = "topup"
    case order
    case subscription
    case autopay
    case cashback
}

/// How a promo code discounts (CAT-4): a percentage of the price, or a fixed amount.
public enum PromoKind: String, Sendable, Codable, CaseIterable, Hashable {
    case percent, fixed
}

/// Where a queued e-mail stands: `queued` (waiting, or waiting for a retry), `sent`, or
/// `failed` (given up; staff see why and may queue it again).
public enum OutboxStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case queued, sent, failed
}

/// A secret link a message carries. The outbox stores the message with a placeholder; the token is
/// made when the message is sent and exists nowhere but in the e-mail (and as a digest), so nobody
/// who reads the outbox can use it.
public enum MailLink: String, Sendable, Codable, CaseIterable, Hashable {
    case passwordReset = "password_reset"
    case signUpConfirmation = "signup_confirmation"
    /// The second step of a login while the e-mail's logins are locked (a client, a staff member).
    case signIn = "sign_in"
    case staffSignIn = "staff_sign_in"
    /// A user invited to an account sets their password (ACC-3).
    case invitation
    /// Confirms another e-mail address of a user (ACC-6); the message's link id names the
    /// address (`user_emails`), not the user.
    case emailConfirmation = "email_confirmation"
    /// A member of staff added by an administrator chooses their password (ADM-1).
    case staffInvitation = "staff_invitation"

    /// What stands in the stored body where the token goes.
    public static let placeholder = "{token}"
}

/// A file a message carries, made when the message is sent (so the outbox never holds it).
public enum MailAttachment: String, Sendable, Codable, CaseIterable, Hashable {
    /// The user's personal data as CSV (ACC-7), for the user the message's `link_user_id` names.
    case personalData = "personal_data"
}

/// What an e-mail is about; the client chooses which categories reach them.
public enum MailCategory: String, Sendable, Codable, CaseIterable, Hashable {
    case security, finance, services, support, news
}

/// Where a scheduled job's run stands: leased and running (`pending`), `done` or `failed`.
public enum ScheduledJobStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case pending, done, failed
}

/// Where a job of the queue stands (`jobs.status`).
public enum JobStatus: String, Sendable, Codable, CaseIterable, Hashable {
    /// Waiting for its `run_after`; a worker claims it then.
    case queued
    /// A worker holds its lease and is running it.
    case running
    case done
    /// Failed for good (a permanent failure, or its retry ladder ran out): shown to staff.
    case failed
    /// Cancelled by staff before it ran.
    case cancelled
}

/// Where a reverse DNS record stands: asked for, written to the DNS server, or refused by it.
public enum ReverseRecordStatus: String, Sendable, Codable, CaseIterable {
    case pending, applied, failed
}

/// Where a client's temporary BMC user for the IP-KVM link stands.
public enum ConsoleGrantStatus: String, Sendable, Codable, CaseIterable {
    /// Asked for; the job is adding the user to the BMC.
    case pending
    /// The user logs in to the BMC until the grant expires.
    case active
    /// The BMC refused; the error says why.
    case failed
    /// Removed from the BMC at its expiry (or when the server was stopped or deleted).
    case expired
}

/// What a job does. Each kind has its payload type and its retry ladder, kept here in one place.
public enum JobKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// Open a paid service on its module (payload `ServiceJob`).
    case serviceOpen = "service.open"
    /// Switch a service off on its module: the client's stop, or expiry.
    case serviceStop = "service.stop"
    /// Switch a service on: the client's start, or a paid renewal of an expired service.
    case serviceStart = "service.start"
    /// Reboot a running server on its module: the client's reboot.
    case serviceReboot = "service.reboot"
    /// Reinstall a running server with the OS the client chose (payload `ServiceJob` with its OS).
    case serviceReinstall = "service.reinstall"
    /// Delete a service on its module: the client's deletion, or the end of the grace period.
    case serviceDelete = "service.delete"
    /// Write the reverse DNS of one address to the DNS server (payload `ReverseDNSJob`).
    case dnsReverse = "dns.reverse"
    /// Read every server's interface counters and add the difference to its traffic (payload
    /// `TrafficJob`); one every five minutes.
    case trafficCollect = "traffic.collect"
    /// Add the temporary BMC user of a client's IP-KVM session (payload `ConsoleJob`).
    case consoleGrant = "console.grant"
    /// Remove that user again at its expiry (payload `ConsoleJob`, run after the expiry).
    case consoleRevoke = "console.revoke"
    /// Send one message of the outbox through the mail channel (payload `MailJob`).
    case mailSend = "mail.send"
    /// Answer a password-reset request: look the address up, queue the e-mail (payload
    /// `ResetRequestJob`). A job so that the request does the same work for any address.
    case passwordResetRequest = "password.reset_request"
    /// Send one text message (payload `SMSJob`): a phone confirmation code, a notice.
    case smsSend = "sms.send"
    /// Run again a step of the daily pass that failed (payload `DailyStepJob`): the other steps
    /// of that day ran; this one waits on the ladder and shows on `/admin/jobs`.
    case dailyStep = "daily.step"

    /// Seconds to wait before each retry after a failure that may pass: the first retry after
    /// `ladder[0]`, and so on; when the ladder runs out the job fails for good and shows to staff.
    /// Provisioning backs off from half a minute to six hours: about eleven hours in all, long
    /// enough for a hypervisor's maintenance window, short enough that staff see a stuck order the
    /// same day.
    public var ladder: [Int] {
        switch self {
        case .serviceOpen, .serviceStop, .serviceStart, .serviceDelete: [30, 120, 600, 1_800, 3_600, 3 * 3_600, 6 * 3_600]
        // The client waits at the page: a few quick tries, then the server is shown as it runs.
        case .serviceReboot: [15, 60, 300]
        case .serviceReinstall: [30, 120, 600]
        case .dnsReverse: [30, 120, 600, 1_800, 3_600, 3 * 3_600]
        // The next reading comes in five minutes anyway and counts the same bytes.
        case .trafficCollect: [60, 120]
        // The client waits at the page for the user; its removal must happen, however late.
        case .consoleGrant: [15, 60, 300]
        case .consoleRevoke: [60, 300, 1_800, 3_600, 3 * 3_600, 6 * 3_600]
        // Mail: a relay that is down for minutes or hours, for about a day in all.
        case .mailSend: [60, 300, 1_800, 7_200, 6 * 3_600, 6 * 3_600, 6 * 3_600]
        case .passwordResetRequest: [30, 120, 600]
        // A code is wanted within minutes (it expires in ten): a few quick retries only.
        case .smsSend: [15, 60, 180]
        case .dailyStep: [300, 900, 1_800, 3_600, 3 * 3_600, 6 * 3_600]
        }
    }

    /// How many times a job of this kind runs before it fails for good.
    public var maxAttempts: Int { ladder.count + 1 }
}

/// How a login ended, as the history shows it.
public enum LoginOutcome: String, Sendable, Codable, CaseIterable {
    case success
    case wrongPassword = "wrong_password"
    case wrongCode = "wrong_code"
    case throttled
    case disabled
    case unconfirmed
    /// Strangers' failures locked the e-mail: the login waits for the e-mailed link.
    case secondStep = "second_step"
    /// The password was right; the login waits for the authenticator's code.
    case codeRequested = "code_requested"
    /// From an address outside the account's allow-list.
    case addressNotAllowed = "address_not_allowed"
}

/// Where a login came from.
public enum LoginChannel: String, Sendable, Codable { case web, api }

/// What a user asks about their personal data (ACC-7).
public enum PrivacyRequestKind: String, Sendable, Codable, CaseIterable, Hashable {
    case erase, restrict
}

/// Where a personal-data request stands.
public enum PrivacyRequestStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case open, done, rejected
}

/// Why a code went to a phone: to confirm the number it went to, or to release a confirmed
/// number (before it is changed to `new_phone`, or removed).
public enum PhoneCodePurpose: String, Sendable, Codable, CaseIterable, Hashable {
    case confirm, release
}
