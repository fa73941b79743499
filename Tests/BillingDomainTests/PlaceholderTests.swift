import BillingDomain
import Testing

@Suite("Text placeholders")
struct PlaceholderTests {
    @Test func everyNamedPlaceholderIsFilledInOnePass() {
        let arguments = ["service": "VPS M · web1 #1001", "amount": "10,00 €", "date": "2027-01-31"]
        #expect(
            fillPlaceholders("{service} renewed until {date}: {amount}. {service}!", arguments)
                == "VPS M · web1 #1001 renewed until 2027-01-31: 10,00 €. VPS M · web1 #1001!")
        // Cyrillic around and inside.
        #expect(fillPlaceholders("Послуга «{service}» — {amount}", arguments) == "Послуга «VPS M · web1 #1001» — 10,00 €")
        #expect(fillPlaceholders("{amount}", arguments) == "10,00 €")
        #expect(fillPlaceholders("no placeholders", arguments) == "no placeholders")
        #expect(fillPlaceholders("{service}", [:]) == "{service}")
    }

    @Test func unknownAndBrokenBracesStayAsWritten() {
        let arguments = ["name": "Anna"]
        #expect(fillPlaceholders("Hello {name}, {unknown} {", arguments) == "Hello Anna, {unknown} {")
        #expect(fillPlaceholders("{{name}}", arguments) == "{Anna}")
        #expect(fillPlaceholders("}{name}{", arguments) == "}Anna{")
        #expect(fillPlaceholders("{na{name}me}", arguments) == "{naAnname}")
    }

    /// A value is not scanned again: a client who names a service `{amount}` sees that name.
    @Test func valuesAreNotFilledAgain() {
        #expect(fillPlaceholders("{service}: {amount}", ["service": "{amount}", "amount": "5 €"]) == "{amount}: 5 €")
    }
}
