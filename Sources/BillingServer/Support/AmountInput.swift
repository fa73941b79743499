import BillingDomain

/// A typed amount that could not be read; `message` names what is wrong, in the page's language.
struct AmountRefusal: Error {
    let message: String
}

extension PageContext {
    /// The one way the edge reads an amount a person typed (forms) or a client sent (the API,
    /// `reading: .en`): the one parser, the page's language for the message, and a refusal that
    /// says what is wrong ("can be read two ways", "at most 1,000,000,000.00", "must be greater
    /// than zero") instead of a generic one.
    func amount(
        _ text: String, _ currency: Currency, decimals: Int? = nil, positive: Bool = true,
        reading: BillingDomain.Language? = nil
    ) throws(AmountRefusal) -> Money {
        let typing = reading ?? language
        let money: Money
        do {
            money = try MoneyFormat.parse(text, currency: currency, language: typing, maximumDecimals: decimals)
        } catch {
            throw AmountRefusal(message: amountRefusal(error, text: text, currency: currency, typing: typing))
        }
        guard !positive || money.isPositive else {
            throw AmountRefusal(message: t("error.amount.not_positive", ["example": MoneyFormat.example(typing)]))
        }
        return money
    }

    func amountRefusal(
        _ error: MoneyFormat.ParseError, text: String, currency: Currency,
        typing: BillingDomain.Language? = nil
    ) -> String {
        let example = MoneyFormat.example(typing ?? language)
        switch error {
        case .empty: return t("error.amount.empty")
        case .notANumber: return t("error.amount.not_a_number", ["example": example])
        case .tooManyDecimals(let allowed): return t("error.amount.decimals", ["digits": String(allowed)])
        case .outOfRange: return t("error.amount.out_of_range", ["max": money(MoneyLimits.maximumAmount.money(currency))])
        case .ambiguous: return t("error.amount.ambiguous", ["text": String(text.prefix(40)), "example": example])
        }
    }
}
