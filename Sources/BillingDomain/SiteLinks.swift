/// Absolute addresses of the site's pages, for what the engine writes outside a request (e-mails
/// now; documents, webhooks and the Telegram bot later). The server implements it from its
/// typed routes (`SiteURL`), so each path is written once and a renamed page cannot leave a dead
/// link in an e-mail; the engine gets it through `EngineContext.links`.
public protocol SiteLinks: Sendable {
    /// A page anyone may open.
    func url(_ page: PublicPage) -> String
    /// The link of a message with a secret: where the token goes it holds `MailLink.placeholder`,
    /// which the mail job fills when it sends the message.
    func url(_ link: MailLink) -> String
}

/// The pages e-mails point to that need no secret.
public enum PublicPage: Sendable, Hashable, CaseIterable {
    case login, passwordForgot
}
