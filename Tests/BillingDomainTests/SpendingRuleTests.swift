import BillingDomain
import Testing

@Suite("The spending rule")
struct SpendingRuleTests {
    func eur(_ minor: Int64) -> Money { Money(minor: minor, .EUR) }

    @Test func aBalanceAllowsUpToItself() {
        let power = SpendingPower(balance: eur(1_000))
        #expect(power.allows(eur(1_000)))
        #expect(!power.allows(eur(1_001)))
        #expect(power.available == eur(1_000))
        #expect(power.shortfall(for: eur(1_000)) == eur(0))
        #expect(power.shortfall(for: eur(1_250)) == eur(250))
    }

    @Test func aDebtAllowsNothingAndCountsInTheShortfall() {
        let power = SpendingPower(balance: eur(-300))
        #expect(!power.allows(eur(0)))
        #expect(!power.allows(eur(1)))
        #expect(power.available == eur(0))
        // To pay 10.00 the client must first clear 3.00 of debt.
        #expect(power.shortfall(for: eur(1_000)) == eur(1_300))
        #expect(!power.mayChangeCurrency)
        #expect(SpendingPower(balance: eur(0)).mayChangeCurrency)
    }

    @Test func anotherCurrencyIsNeverAllowed() {
        let power = SpendingPower(balance: eur(1_000_000))
        #expect(!power.allows(Money(minor: 1, .USD)))
        #expect(power.shortfall(for: Money(minor: 100, .USD)) == Money(minor: 0, .USD))
    }

    @Test func aCreditLimitLetsTheBalanceGoBelowZeroUntilItIsBlocked() {
        let open = SpendingPower(balance: eur(-2_000), creditLimit: eur(5_000))
        #expect(open.allows(eur(3_000)))
        #expect(!open.allows(eur(3_001)))
        #expect(open.available == eur(3_000))
        let blocked = SpendingPower(balance: eur(-2_000), creditLimit: eur(5_000), creditBlocked: true)
        #expect(!blocked.allows(eur(1)))
        #expect(blocked.shortfall(for: eur(500)) == eur(2_500))
    }

    @Test func spendingLowersWhatIsLeft() {
        var power = SpendingPower(balance: eur(1_000))
        power.spend(eur(600))
        #expect(power.balance == eur(400))
        #expect(!power.allows(eur(600)))
        #expect(power.allows(eur(400)))
    }

    @Test func autopaymentTopsUpTheShortfallTheRuleReports() {
        let debtor = SpendingPower(balance: eur(-300))
        #expect(
            Autopayment.topUp(needed: eur(1_000), power: debtor, monthlyMaximum: eur(10_000), alreadyThisMonth: eur(0)) == eur(1_300))
        let credit = SpendingPower(balance: eur(0), creditLimit: eur(5_000))
        #expect(Autopayment.topUp(needed: eur(1_000), power: credit, monthlyMaximum: eur(10_000), alreadyThisMonth: eur(0)) == eur(0))
        #expect(
            Autopayment.topUp(needed: eur(1_000), power: debtor, monthlyMaximum: eur(10_000), alreadyThisMonth: eur(9_500)) == eur(500))
    }
}
