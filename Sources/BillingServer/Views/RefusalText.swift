import BillingDomain
import BillingEngine
import Vapor

extension Localizer {
    /// A refusal's text in `language`: amounts in its number format, named keys translated, the
    /// largest amount in `currency`.
    public func message(_ refusal: any Refusal, _ language: BillingDomain.Language, currency: Currency) -> String {
        var arguments: [String: String] = [:]
        for (name, value) in refusal.textArguments {
            switch value {
            case .text(let text): arguments[name] = text
            case .number(let number): arguments[name] = String(number)
            case .money(let amount): arguments[name] = MoneyFormat.format(amount, language: language)
            case .key(let key): arguments[name] = text(key, language)
            case .maximumAmount: arguments[name] = MoneyFormat.format(MoneyLimits.maximumAmount.money(currency), language: language)
            }
        }
        return text(refusal.textKey, language, arguments)
    }
}

extension PageContext {
    /// A refusal's text in the page's language (amounts in the client's currency when one is
    /// logged in, else the provider's).
    func message(_ refusal: any Refusal) -> String {
        Localizer.shared.message(refusal, language, currency: client?.summary.currency ?? defaultCurrency)
    }
}

extension HTTPStatus {
    init(_ status: RefusalStatus) { self.init(statusCode: status.rawValue) }
}
