import BillingDomain
import Testing

@Suite("Money")
struct MoneyTests {
    @Test func keepsFourPlacesAndRoundsToMinorUnitHalfUp() {
        #expect(Money(units: 12_345, currency: .RUB).roundedToMinorUnit() == Money(minor: 123, .RUB)) // 1.2345 → 1.23
        #expect(Money(units: 12_350, currency: .RUB).roundedToMinorUnit() == Money(minor: 124, .RUB)) // 1.2350 → 1.24
        #expect(Money(units: -12_350, currency: .RUB).roundedToMinorUnit() == Money(minor: -124, .RUB)) // away from zero
        #expect(Money(units: -12_349, currency: .RUB).roundedToMinorUnit() == Money(minor: -123, .RUB))
        #expect(Money(units: 50, currency: .EUR).roundedToMinorUnit() == Money(minor: 1, .EUR)) // 0.0050 → 0.01
        #expect(Money(units: 49, currency: .EUR).roundedToMinorUnit() == .zero(.EUR))
    }

    @Test func addsSubtractsAndMultiplies() {
        let price = Money(minor: 15_000, .RUB) // 150.00
        #expect(price + Money(minor: 99, .RUB) == Money(minor: 15_099, .RUB))
        #expect(price - Money(minor: 20_000, .RUB) == Money(minor: -5_000, .RUB))
        #expect(price.times(3) == Money(minor: 45_000, .RUB))
        #expect((-price).isNegative)
        #expect(Money.sum([price, price, Money(minor: 1, .RUB)], currency: .RUB) == Money(minor: 30_001, .RUB))
        #expect(Money.sum([], currency: .USD) == .zero(.USD))
    }

    @Test func multipliesByRationalFactorsExactly() {
        // 10 of 31 days of a 1 000.00 ₽ month: 322.580645… → 322.5806 kept, 322.58 on the document.
        let month = Money(major: 1_000, .RUB)
        let prorated = month.times(Fraction(10, 31))
        #expect(prorated.units == 3_225_806)
        #expect(prorated.roundedToMinorUnit() == Money(minor: 32_258, .RUB))
        // 20 % VAT on 99.99 € is 19.998 → 20.00 €.
        #expect(Money(minor: 9_999, .EUR).times(.percent(20)).roundedToMinorUnit() == Money(minor: 2_000, .EUR))
        // 21.5 % given as basis points.
        #expect(Money(major: 100, .EUR).times(.basisPoints(2_150)) == Money(minor: 2_150, .EUR))
        #expect(Fraction(6, -8) == Fraction(-3, 4))
    }

    @Test func allocationAddsUpToTheWhole() {
        let parts = Money(major: 100, .USD).allocated(into: 3)
        #expect(parts == [Money(minor: 3_334, .USD), Money(minor: 3_333, .USD), Money(minor: 3_333, .USD)])
        #expect(Money.sum(parts, currency: .USD) == Money(major: 100, .USD))
        let negative = Money(minor: -100, .USD).allocated(into: 3)
        #expect(negative == [Money(minor: -34, .USD), Money(minor: -33, .USD), Money(minor: -33, .USD)])
    }

    @Test func comparesWithinACurrency() {
        #expect(Money(minor: 1, .UAH) > .zero(.UAH))
        #expect(Money(minor: -1, .UAH) < .zero(.UAH))
        #expect(Money(minor: 100, .EUR) != Money(minor: 100, .USD))
    }

    @Test func knowsTheCurrenciesOfTheSeeds() {
        #expect(Currency.all.map(\.code) == ["RUB", "UAH", "EUR", "USD", "BYN", "KZT", "GBP"])
        #expect(Currency.all.allSatisfy { $0.minorDigits == 2 })
        #expect(Currency.named("uah") == .UAH)
        #expect(Currency.named("XYZ") == nil)
    }
}

@Suite("Money formatting and parsing")
struct MoneyFormatTests {
    let nbsp = "\u{00A0}"

    @Test func formatsPerLanguage() {
        let amount = Money(minor: 123_456, .RUB)
        #expect(MoneyFormat.format(amount, language: .ru) == "1\(nbsp)234,56\(nbsp)₽")
        #expect(MoneyFormat.format(Money(minor: 123_456, .EUR), language: .en) == "€1,234.56")
        #expect(MoneyFormat.format(Money(minor: 123_456, .UAH), language: .uk) == "1\(nbsp)234,56\(nbsp)грн")
        #expect(MoneyFormat.format(Money(minor: 123_456, .UAH), language: .en) == "1,234.56\(nbsp)₴")
        #expect(MoneyFormat.format(Money(minor: -500, .USD), language: .en) == "-$5.00")
        #expect(MoneyFormat.format(Money(minor: 123_456_789_012, .GBP), language: .en) == "£1,234,567,890.12")
        #expect(MoneyFormat.format(Money(units: 12_345, currency: .EUR), language: .ru) == "1,23\(nbsp)€")
        #expect(MoneyFormat.format(.zero(.KZT), language: .ru) == "0,00\(nbsp)₸")
        #expect(MoneyFormat.plain(Money(minor: -123_456, .EUR)) == "-1234.56")
        #expect(MoneyFormat.precise(Money(units: 3_225_806, currency: .RUB)) == "322.5806")
        #expect(MoneyFormat.precise(Money(units: 3_225_000, currency: .RUB)) == "322.50")
    }

    @Test func parsesWhatPeopleType() throws {
        #expect(try MoneyFormat.parse("1234.56", currency: .EUR, language: .en) == Money(minor: 123_456, .EUR))
        #expect(try MoneyFormat.parse("1 234,56", currency: .RUB, language: .ru) == Money(minor: 123_456, .RUB))
        #expect(try MoneyFormat.parse("1\(nbsp)234,56\(nbsp)₽", currency: .RUB, language: .ru) == Money(minor: 123_456, .RUB))
        #expect(try MoneyFormat.parse("€1,234.56", currency: .EUR, language: .en) == Money(minor: 123_456, .EUR))
        #expect(try MoneyFormat.parse("1.234,56", currency: .EUR, language: .ru) == Money(minor: 123_456, .EUR))
        #expect(try MoneyFormat.parse("-10.5", currency: .USD, language: .en) == Money(minor: -1_050, .USD))
        #expect(try MoneyFormat.parse("1,234,567.89", currency: .USD, language: .en) == Money(minor: 123_456_789, .USD))
        // A thousands group has three digits, so one or two after either separator are decimals.
        #expect(try MoneyFormat.parse("10,5", currency: .EUR, language: .en) == Money(minor: 1_050, .EUR))
        #expect(try MoneyFormat.parse("10.5", currency: .RUB, language: .ru) == Money(minor: 1_050, .RUB))
        // Staff's unit prices keep four places, typed with the language's own decimal mark.
        #expect(try MoneyFormat.parse("10.555", currency: .EUR, language: .en, maximumDecimals: 4) == Money(units: 105_550, currency: .EUR))
        #expect(try MoneyFormat.parse("10,555", currency: .EUR, language: .ru, maximumDecimals: 4) == Money(units: 105_550, currency: .EUR))
        #expect(try MoneyFormat.parse("12 грн", currency: .UAH, language: .uk) == Money(major: 12, .UAH))
        #expect(try MoneyFormat.parse(".5", currency: .USD, language: .en) == Money(minor: 50, .USD))
    }

    @Test func refusesWhatIsNotAnAmount() throws {
        #expect(throws: AmountParseError.empty) { try MoneyFormat.parse("  ", currency: .EUR, language: .en) }
        #expect(throws: AmountParseError.notANumber) { try MoneyFormat.parse("12abc", currency: .EUR, language: .en) }
        #expect(throws: AmountParseError.notANumber) { try MoneyFormat.parse("1e5", currency: .EUR, language: .en) }
        // "10,555" is ten thousand five hundred and fifty-five to one reader and ten and a half to
        // another: refused with an example, never guessed.
        #expect(throws: AmountParseError.ambiguous) { try MoneyFormat.parse("10,555", currency: .EUR, language: .en) }
        #expect(throws: AmountParseError.ambiguous) { try MoneyFormat.parse("1,234", currency: .USD, language: .en) }
        #expect(throws: AmountParseError.ambiguous) { try MoneyFormat.parse("1.234", currency: .EUR, language: .ru) }
        #expect(throws: AmountParseError.ambiguous) {
            try MoneyFormat.parse("10,555", currency: .EUR, language: .en, maximumDecimals: 4)
        }
        #expect(throws: AmountParseError.notANumber) { try MoneyFormat.parse("1,23,456.00", currency: .EUR, language: .en) }
        #expect(throws: AmountParseError.tooManyDecimals(allowed: 2)) {
            try MoneyFormat.parse("1,234", currency: .EUR, language: .ru)
        }
        #expect(throws: AmountParseError.outOfRange) { try MoneyFormat.parse("1000000000.01", currency: .EUR, language: .en) }
        #expect(throws: AmountParseError.outOfRange) { try MoneyFormat.parse("99999999999999.99", currency: .EUR, language: .en) }
        #expect(try MoneyFormat.parse("1000000000.00", currency: .EUR, language: .en) == MoneyLimits.maximumAmount.money(.EUR))
        #expect(throws: AmountParseError.tooManyDecimals(allowed: 2)) {
            try MoneyFormat.parse("0.001", currency: .EUR, language: .en)
        }
        #expect(throws: AmountParseError.outOfRange) { try MoneyFormat.parse("999999999999999999", currency: .EUR, language: .en) }
    }

    @Test func roundTripsEveryFormattedAmount() throws {
        for minor: Int64 in [0, 1, 99, 100, 123_456, -98_765_432, 100_000_000_000] {
            for currency in Currency.all {
                for language in Language.allCases {
                    let money = Money(minor: minor, currency)
                    let text = MoneyFormat.format(money, language: language)
                    #expect(try MoneyFormat.parse(text, currency: currency, language: language) == money, "\(text)")
                }
            }
        }
    }
}
