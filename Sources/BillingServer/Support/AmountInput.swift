import BillingDomain

/// A typed amount that could not be read, saying what is wrong ("can be read two ways", "at most
/// 1,000,000,000.00", "must be greater than zero").
struct AmountRefusal: Refusal, Equatable {
    let textKey: String
    var textArguments: [String: RefusalArgument] = [:]
    var code: String { "amount_invalid" }
}

extension PageContext {
    /// The one way the edge reads an amount a person typed (forms) or a client sent (the API,
    /// `reading: .en`): the one parser, the page's language for the examples, and a refusal that
    /// says what is wrong instead of a generic one.
    func amount(
        _ text: String, _ currency: Currency, decimals: Int? = nil, positive: Bool = true,
        reading: BillingDomain.Language? = nil
    ) throws(AmountRefusal) -> Money {
        let typing = reading ?? language
        let money: Money
        do {
            money = try MoneyFormat.parse(text, currency: currency, language: typing, maximumDecimals: decimals)
        } catch {
            throw Self.amountRefusal(error, text: text, currency: currency, typing: typing)
        }
        guard !positive || money.isPositive else {
            throw AmountRefusal(textKey: "error.amount.not_positive", textArguments: ["example": .text(MoneyFormat.example(typing))])
        }
        return money
    }

    static func amountRefusal(_ error: AmountParseError, text: String, currency: Currency, typing: BillingDomain.Language) -> AmountRefusal
    {
        let example = RefusalArgument.text(MoneyFormat.example(typing))
        switch error {
        case .empty: return AmountRefusal(textKey: "error.amount.empty")
        case .notANumber: return AmountRefusal(textKey: "error.amount.not_a_number", textArguments: ["example": example])
        case .tooManyDecimals(let allowed):
            return AmountRefusal(textKey: "error.amount.decimals", textArguments: ["digits": .number(allowed)])
        case .outOfRange:
            return AmountRefusal(
                textKey: "error.amount.out_of_range", textArguments: ["max": .money(MoneyLimits.maximumAmount.money(currency))])
        case .ambiguous:
            return AmountRefusal(
                textKey: "error.amount.ambiguous", textArguments: ["text": .text(String(text.prefix(40))), "example": example])
        }
    }
}
