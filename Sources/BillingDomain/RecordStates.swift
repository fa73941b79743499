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

/// What an e-mail is about; the client chooses which categories reach them.
public enum MailCategory: String, Sendable, Codable, CaseIterable, Hashable {
    case security, finance, services, support, news
}

/// Where a scheduled job's run stands: leased and running (`pending`), `done` or `failed`.
public enum ScheduledJobStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case pending, done, failed
}
