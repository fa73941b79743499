import BillingDomain
import Testing

@Suite("Service statuses, tax, proration, promo codes, add-on limits")
struct BillingRulesTests {
    func eur(_ text: String) -> Money { try! MoneyFormat.parse(text, currency: .EUR, language: .en) }

    @Test func theStatusMachineAllowsTheSeedsTransitionsAndNothingElse() throws {
        let ordered = ServiceState(.ordered)
        let opening = try ordered.applying(.paid)
        #expect(opening == ServiceState(.processing, operation: .opening))
        #expect(try opening.applying(.opened) == ServiceState(.active))
        #expect(try opening.applying(.noResources) == ServiceState(.unavailable))
        #expect(try ServiceState(.unavailable).applying(.retryOpening) == opening)
        #expect(try ordered.applying(.configurationMissing) == ServiceState(.configurationRequired))
        #expect(try ServiceState(.configurationRequired).applying(.configured) == ordered)
        let active = ServiceState(.active)
        // The client's stop and start go through the module: Processing until it answers, and
        // back where it was when it cannot.
        let switchingOff = try active.applying(.switchOffRequested)
        #expect(switchingOff == ServiceState(.processing, operation: .switchingOff))
        #expect(try switchingOff.applying(.stoppedByClient(dailyBilling: true)) == ServiceState(.suspendedByClient))
        #expect(try switchingOff.applying(.stoppedByClient(dailyBilling: false)) == ServiceState(.stoppedByClient))
        #expect(try switchingOff.applying(.switchFailed(dailyBilling: false)) == active)
        let switchingOn = try ServiceState(.stoppedByClient).applying(.switchOnRequested)
        #expect(switchingOn == ServiceState(.processing, operation: .switchingOn))
        #expect(try ServiceState(.suspendedByClient).applying(.switchOnRequested) == switchingOn)
        #expect(try switchingOn.applying(.startedByClient) == active)
        #expect(try switchingOn.applying(.switchFailed(dailyBilling: true)) == ServiceState(.suspendedByClient))
        #expect(try switchingOn.applying(.switchFailed(dailyBilling: false)) == ServiceState(.stoppedByClient))
        #expect(throws: ServiceState.Refused.self) { try active.applying(.stoppedByClient(dailyBilling: false)) }
        #expect(throws: ServiceState.Refused.self) { try switchingOff.applying(.startedByClient) }
        #expect(throws: ServiceState.Refused.self) { try opening.applying(.switchFailed(dailyBilling: false)) }
        #expect(try active.applying(.stoppedForAbuse) == ServiceState(.stoppedForAbuse))
        #expect(try active.applying(.expired) == ServiceState(.expired))
        #expect(try ServiceState(.expired).applying(.renewalPaid) == active)
        #expect(try active.applying(.renewalPaid) == active)
        let deleting = try ServiceState(.expired).applying(.deletionRequested)
        #expect(deleting == ServiceState(.processing, operation: .deletion))
        #expect(try deleting.applying(.deletionCompleted) == ServiceState(.deleted))

        // Refusals: the client cannot lift an abuse stop, nothing leaves `deleted`, an opening
        // cannot be interrupted, a service not opened cannot expire.
        #expect(throws: ServiceState.Refused.self) { try ServiceState(.stoppedForAbuse).applying(.startedByClient) }
        #expect(throws: ServiceState.Refused.self) { try ServiceState(.stoppedByAdmin).applying(.startedByClient) }
        #expect(throws: ServiceState.Refused.self) { try ServiceState(.deleted).applying(.renewalPaid) }
        #expect(throws: ServiceState.Refused.self) { try ServiceState(.deleted).applying(.deletionRequested) }
        #expect(throws: ServiceState.Refused.self) { try opening.applying(.deletionRequested) }
        #expect(throws: ServiceState.Refused.self) { try ordered.applying(.expired) }
        #expect(throws: ServiceState.Refused.self) { try ServiceState(.suspendedByClient).applying(.opened) }
        #expect(ServiceState(.active, operation: .reboot).operation == nil)
    }

    @Test func vatIsIncludedOrAddedPerTheSeedsTable() {
        #expect(VATTable.rate(forCountry: "DE") == .percent(19))
        #expect(VATTable.rate(forCountry: "hu") == .percent(27))
        #expect(VATTable.rate(forCountry: "SI") == .percent(22))
        #expect(VATTable.rate(forCountry: "US") == .zero)
        #expect(VATTable.rate(forCountry: "UA") == .zero)
        let included = TaxedAmount(catalogAmount: eur("10.00"), rate: .percent(19), mode: .included)
        #expect(included.gross == eur("10.00"))
        #expect(included.tax == eur("1.60"))
        #expect(included.net == eur("8.40"))
        let added = TaxedAmount(catalogAmount: eur("10.00"), rate: .percent(19), mode: .added)
        #expect(added.net == eur("10.00"))
        #expect(added.tax == eur("1.90"))
        #expect(added.gross == eur("11.90"))
        #expect(TaxRate(basisPoints: 2150).description == "21.5 %")
    }

    @Test func firstPeriodIsProratedToTheAlignedDate() {
        let jan15 = LocalDate(iso: "2026-01-15")!
        let aligned = Proration.firstPeriod(orderedOn: jan15, period: .month, alignment: .firstOfMonth)
        #expect(aligned.end == LocalDate(iso: "2026-02-01")!)
        #expect(aligned.share == Fraction(17, 31))
        #expect(eur("495.00").times(aligned.share).roundedToMinorUnit() == eur("271.45"))
        let plain = Proration.firstPeriod(orderedOn: jan15, period: .month, alignment: .none)
        #expect(plain.end == LocalDate(iso: "2026-02-15")!)
        #expect(plain.share == .one)
        let onTheFirst = Proration.firstPeriod(orderedOn: LocalDate(iso: "2026-03-01")!, period: .quarter, alignment: .firstOfMonth)
        #expect(onTheFirst.end == LocalDate(iso: "2026-06-01")!)
        let yearly = Proration.firstPeriod(orderedOn: LocalDate(iso: "2026-02-20")!, period: .year, alignment: .firstOfMonth)
        #expect(yearly.share == Fraction(9, 365))
        #expect(
            Proration.remainingShare(on: LocalDate(iso: "2026-01-25")!, periodEnd: LocalDate(iso: "2026-02-15")!, period: .month)
                == Fraction(21, 31))
    }

    @Test func quotesRoundPerLineAndApplyPromoToTheFirstPaymentOnly() {
        let quote = Quote.make(
            components: [
                (key: "plan", name: "DCI6", quantity: nil, included: nil, perPeriod: eur("495.00")),
                (key: "traffic", name: "Traffic", quantity: 5120, included: 5120, perPeriod: eur("110.00")),
                (key: "power", name: "Power", quantity: 0, included: 0, perPeriod: eur("55.00"))
            ], currency: .EUR, period: .month, firstPeriodEnds: LocalDate(iso: "2026-02-01")!, share: Fraction(30, 31), trial: false,
            promo: .percent(basisPoints: 1000), taxRate: .zero, taxMode: .included)
        #expect(quote.lines.map(\.firstPeriod) == [eur("479.03"), eur("106.45"), eur("53.23")])
        #expect(quote.firstPeriodCatalog == eur("638.71"))
        #expect(quote.discount == eur("63.87"))
        #expect(quote.dueNow.gross == eur("574.84"))
        #expect(quote.perPeriod.gross == eur("660.00"))
        #expect(PromoDiscount.fixed(eur("5.00")).discount(on: eur("3.00")) == eur("3.00"))
        #expect(PromoDiscount.fixed(Money(major: 5, .USD)).discount(on: eur("3.00")) == .zero(.EUR))
    }

    @Test func addonLimitsRefuseOutOfRangeAndOffStepAmounts() throws {
        let ram = try AddonLimits(included: 1024, minimum: 1024, maximum: 4096, step: 512)
        #expect(throws: AddonLimits.Refusal.belowMinimum(1024)) { try ram.validate(-512) }
        #expect(throws: AddonLimits.Refusal.aboveMaximum(4096)) { try ram.validate(8192) }
        #expect(throws: AddonLimits.Refusal.offStep(512)) { try ram.validate(1500) }
        try ram.validate(2048)
        #expect(ram.chargeable(2048) == 1024)
        #expect(throws: AddonLimits.Invalid.minimumAboveMaximum) { try AddonLimits(included: 0, minimum: 5, maximum: 1, step: 1) }
        #expect(throws: AddonLimits.Invalid.stepNotPositive) { try AddonLimits(included: 0, minimum: 0, maximum: 1, step: 0) }
    }
}
