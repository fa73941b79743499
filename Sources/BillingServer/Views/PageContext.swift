import BillingDomain
import BillingEngine
import Plot
import Vapor

/// What every page needs to render: language and texts, the CSRF token, where we are, and who is
/// logged in. Built from the request by `PageContext(request)`.
struct PageContext {
    let language: BillingDomain.Language
    let csrfToken: String
    let path: String
    let developmentMode: Bool
    let providerName: String
    /// The provider's time zone: every date and time on a page is shown in it.
    let timeZone: TimeZone
    /// The provider's currency, for amounts named before anyone is logged in.
    let defaultCurrency: Currency
    private let dateTimeFormatter: DateFormatter
    var client: ClientHeader?
    var staff: StaffIdentity?
    /// Who reads the page, as the rights table sees them (`nil`: nobody signed in).
    let caller: Caller?
    /// A catalog key of a one-time confirmation ("Balance adjusted") shown on top of the page.
    var noticeKey: String?
    var noticeArguments: [String: String] = [:]

    init(_ request: Request) {
        language = request.language
        csrfToken = request.csrfToken
        path = request.url.path
        developmentMode = request.billing.config.developmentMode
        providerName = request.billing.config.providerName
        timeZone = request.billing.config.timeZone
        defaultCurrency = request.engine.provider.defaultCurrency
        dateTimeFormatter = DateFormatter()
        dateTimeFormatter.locale = Locale(identifier: "en_US_POSIX")
        dateTimeFormatter.timeZone = timeZone
        dateTimeFormatter.dateFormat = "yyyy-MM-dd HH:mm"
        staff = request.staffIdentity
        caller = request.caller
        if let notice = request.query[String.self, at: "notice"], notice.allSatisfy({ $0.isLetter || $0 == "_" }),
            Localizer.shared.has("notice." + notice)
        {
            noticeKey = "notice." + notice
            // Counts a notice may name ("renewed 3"): digits only, anything else is dropped.
            for name in ["renewed", "expired", "deleted", "version"] {
                if let value = request.query[String.self, at: name], value.count <= 9, value.allSatisfy(\.isASCII), Int(value) != nil {
                    noticeArguments[name] = value
                }
            }
        }
    }

    /// Whether the reader may open an address: menus and links ask this, so nobody is shown what
    /// the rights table would refuse.
    func may(_ url: SiteURL) -> Bool { url.access(.GET).admits(caller) }
    /// Whether the reader may send a form to an address: buttons ask this.
    func maySend(_ url: SiteURL) -> Bool { url.access(.POST).admits(caller) }

    func t(_ key: String, _ arguments: [String: String] = [:]) -> String {
        Localizer.shared.text(key, language, arguments)
    }

    func money(_ amount: Money) -> String { MoneyFormat.format(amount, language: language) }
    /// A percentage's number as the reader writes it: "2.5" in English, "2,5" in Russian and
    /// Ukrainian (the texts put the sign after it).
    func percent(_ value: Percentage) -> String {
        language == .en ? value.description : value.description.replacingOccurrences(of: ".", with: ",")
    }

    /// A moment as `2026-01-15 11:00` in the provider's time zone.
    func dateTime(_ date: Date) -> String { dateTimeFormatter.string(from: date) }
    /// The day of a moment, `2026-01-15`, in the provider's time zone.
    func date(_ date: Date) -> String { String(dateTime(date).prefix(10)) }

    var plotLanguage: Plot.Language {
        switch language {
        case .en: .english
        case .ru: .russian
        case .uk: .ukrainian
        }
    }
}

/// The header's view of the logged-in client: name, account and money.
struct ClientHeader {
    let userName: String
    let email: String
    let summary: AccountSummary
    /// Items waiting in the cart, shown beside "Cart" in the menu.
    var cartCount = 0
}

extension PageContext {
    static func client(_ request: Request) async throws -> PageContext {
        var context = PageContext(request)
        let identity = try request.client
        // The account came with the session (one joined query); only the balance is read here.
        let summary = try await AccountSummary.load(account: identity.account, context: request.engine)
        // The cart is counted for users who may order; for the others it does not exist.
        let caller = identity.caller
        context.client = ClientHeader(
            userName: identity.userName, email: identity.email, summary: summary,
            cartCount: caller.may(.orderServices) ? try await Orders(context: request.engine).cartCount(caller: caller) : 0)
        return context
    }
}

/// Renders a Plot document as an HTML response.
extension HTML {
    func response(status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: status, headers: headers, body: .init(string: render()))
    }
}
