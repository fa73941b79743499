import BillingDomain
import BillingEngine
import BillingServer
import BillingTestSupport
import Foundation
import Testing
import Vapor

/// Every error a use case throws on purpose is a `Refusal`: a stable code, a status, and a text
/// that exists in every language with every placeholder filled.
@Suite("Refusals")
struct RefusalTests {
    static let euro = Money(minor: 1_000, .EUR)

    /// One of every case, nested ones included.
    static var everyRefusal: [any Refusal] {
        var all: [any Refusal] = []
        let paymentErrors: [PaymentError] = [
            PaymentError.methodUnavailable, .terms(.notPositive), .terms(.belowMinimum(euro)), .terms(.aboveMaximum(euro)),
            .terms(.wrongCurrency(expected: .UAH)), .terms(.notWholeMinorUnits), .payerKindNotAllowed, .payerNameMissing, .payerNameInvalid,
            .paymentNotFound, .notPayable, .notDeletable, .orderMethodFixed, .gatewayFailed("declined"), .refundTooLarge(euro),
            .refundReasonMissing, .notRefundable, .notBankTransfer, .receivedAmountInvalid, .receivedOnInvalid, .bankReferenceInvalid,
            .savedMethodNotFound, .setupUnsupported
        ]
        all += paymentErrors.map { $0 as any Refusal }
        let orderErrors: [OrderError] = [
            OrderError.unknownPlan, .planNotOffered, .periodNotOffered, .notInCurrency("UAH"), .addonNotInPlan, .amountNotWhole,
            .amountTooLarge, .addonBelowMinimum(name: "RAM", minimum: 1), .addonAboveMaximum(name: "RAM", maximum: 64),
            .addonOffStep(name: "RAM", step: 2), .domainNameRequired, .domainNameInvalid, .unknownOS, .trialNotOffered, .trialUsed,
            .insufficientBalance(needed: euro, available: euro), .emptyCart, .itemNotFound, .orderNotFound, .orderNotPending
        ]
        all += orderErrors.map { $0 as any Refusal }
        let promos: [PromoError] = [PromoError.unknown, .notYetValid, .expired, .usedUp, .alreadyUsed, .otherPlan, .otherCurrency]
        all += promos.map { OrderError.promo($0) as any Refusal }
        let serviceActionErrors: [ServiceActionError] = [
            ServiceActionError.notFound, .notAllowed(status: .stoppedByAdmin), .deletionNotAllowed, .order(.emptyCart)
        ]
        all += serviceActionErrors.map { $0 as any Refusal }
        let loginErrors: [LoginError] = [LoginError.invalidCredentials, .throttled, .disabled, .unconfirmed, .secondStepRequired]
        all += loginErrors.map { $0 as any Refusal }
        let signUpErrors: [SignUpError] = [
            SignUpError.invalidEmail, .password(.tooShort(minimum: 10)), .nameRequired, .unknownCountry, .emailTaken, .tooManyRequests
        ]
        all += signUpErrors.map { $0 as any Refusal }
        let signUpConfirmationErrors: [SignUpConfirmationError] = [.invalidOrExpiredLink, .password(.tooShort(minimum: 12))]
        all += signUpConfirmationErrors.map { $0 as any Refusal }
        all.append(SignInLinkError.invalidOrExpiredLink)
        let passwordResetErrors: [PasswordResetError] = [PasswordResetError.invalidOrExpiredLink, .password(.controlCharacters)]
        all += passwordResetErrors.map { $0 as any Refusal }
        let passwordErrors: [PasswordError] = [
            PasswordError.tooShort(minimum: 10), .tooLong(maximum: 128), .tooManyBytes(maximum: 72), .controlCharacters
        ]
        all += passwordErrors.map { $0 as any Refusal }
        let staffAccountErrors: [StaffAccountError] = [StaffAccountError.invalidEmail, .password(.tooLong(maximum: 128)), .emailTaken]
        all += staffAccountErrors.map { $0 as any Refusal }
        let adjustmentErrors: [AdjustmentError] = [
            AdjustmentError.notPermitted, .accountNotFound, .zeroAmount, .reasonRequired, .wrongCurrency(expected: "EUR"),
            .beyondLimits(maximumAmount: euro, maximumBalance: euro)
        ]
        all += adjustmentErrors.map { $0 as any Refusal }
        let currencyErrors: [CurrencyError] = [
            CurrencyError.sameCurrency, .noRate(from: "EUR", to: "UAH"), .badRate, .notPermitted,
            .pendingOrders(count: 2, currency: "EUR"), .beyondLimits, .debt(euro)
        ]
        all += currencyErrors.map { $0 as any Refusal }
        let catalogErrors: [CatalogError] = [
            CatalogError.nameRequired, .unknownPlan, .unknownAddon, .badTrialDays, .limits(.negative), .negativePrice
        ]
        all += catalogErrors.map { $0 as any Refusal }
        let paymentMethodErrors: [PaymentMethodError] = [
            PaymentMethodError.nameMissing, .noPayerKinds, .minimumAboveMaximum, .currencyMismatch
        ]
        all += paymentMethodErrors.map { $0 as any Refusal }
        let sellerDetailsErrors: [SellerDetailsError] = [SellerDetailsError.field("seller.account")]
        all += sellerDetailsErrors.map { $0 as any Refusal }
        let savedMethodErrors: [SavedMethodError] = [SavedMethodError.nameMissing]
        all += savedMethodErrors.map { $0 as any Refusal }
        let jobErrors: [JobActionError] = [JobActionError.notFound, .notAllowed(status: .done)]
        all += jobErrors.map { $0 as any Refusal }
        let autopayErrors: [AutopayError] = [AutopayError.maximumNotPositive, .methodNotUsable]
        all += autopayErrors.map { $0 as any Refusal }
        let scopeErrors: [TokenScopeError] = [TokenScopeError.unknown("everything"), .beyondUser("finance.pay")]
        all += scopeErrors.map { $0 as any Refusal }
        let billingSettingsErrors: [BillingSettingsError] = [BillingSettingsError.graceDays, .noticeDays]
        all += billingSettingsErrors.map { $0 as any Refusal }
        return all
    }

    @Test func everyRefusalReadsInEveryLanguageWithItsValuesFilledIn() {
        #expect(Self.everyRefusal.count == 110)
        for refusal in Self.everyRefusal {
            #expect(Localizer.shared.has(refusal.textKey), "no text \(refusal.textKey) for \(refusal)")
            #expect(refusal.code.allSatisfy { $0.isLowercase || $0 == "_" } && !refusal.code.isEmpty, "code of \(refusal)")
            #expect((400..<600).contains(refusal.status.rawValue), "status of \(refusal)")
            for language in Language.allCases {
                let text = Localizer.shared.message(refusal, language, currency: .EUR)
                #expect(!text.contains("{") && !text.contains("}"), "\(refusal) in \(language.rawValue): \(text)")
                for case .key(let key) in refusal.textArguments.values {
                    #expect(Localizer.shared.has(key), "\(refusal) names \(key)")
                }
            }
        }
    }

    @Test func amountsAndNamedTextsAreShownInTheReadersLanguage() {
        let refusal = OrderError.insufficientBalance(needed: Money(minor: 123_456, .UAH), available: Money(minor: 5_000, .UAH))
        #expect(Localizer.shared.message(refusal, .en, currency: .UAH).contains("1,234.56"))
        #expect(Localizer.shared.message(refusal, .uk, currency: .UAH).contains("1\u{00A0}234,56"))
        let status = ServiceActionError.notAllowed(status: .stoppedByAdmin)
        #expect(
            Localizer.shared.message(status, .ru, currency: .EUR).contains(Localizer.shared.text("service.status.stopped_by_admin", .ru)))
        #expect(PaymentError.paymentNotFound.status == .notFound)
        #expect(PaymentError.terms(.belowMinimum(euroAmount)).code == "amount_below_minimum")
    }

    private var euroAmount: Money { Self.euro }
}

/// What a failure of ours shows: a 500 with a reference and nothing of the error.
@Suite("Failures of ours")
struct InternalFailureTests {
    struct SecretFailure: Error, CustomStringConvertible {
        var description: String { "db password=hunter2 at /srv/billing" }
    }

    @Test func aFailureOfOursIsA500WithAReferenceAndNoDetail() async throws {
        try await TestApp.run { app, _ in
            app.get("boom") { _ -> String in throw SecretFailure() }
            app.get("api", "v1", "boom") { _ -> String in throw SecretFailure() }
            let page = try await Browser(app).get("/boom")
            #expect(page.status == .internalServerError)
            #expect(page.text.contains(#"data-testid="error-reference">Reference: "#))
            #expect(!page.text.contains("hunter2") && !page.text.contains("SecretFailure"))
            let api = try await Browser(app).get("/api/v1/boom")
            #expect(api.status == .internalServerError)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(api.text.utf8)) as? [String: [String: String]])
            #expect(body["error"]?["code"] == "internal_error")
            #expect(body["error"]?["message"]?.contains("Reference: ") == true)
            #expect(!api.text.contains("hunter2"))
        }
    }

    @Test func aRefusalThrownPastAFormIsAPageWithItsStatusAndText() async throws {
        try await TestApp.run { app, _ in
            app.get("refused") { _ -> String in throw OrderError.orderNotPending }
            app.get("api", "v1", "refused") { _ -> String in throw PaymentError.notRefundable }
            let page = try await Browser(app).get("/refused")
            #expect(page.status == .unprocessableEntity)
            let expected = Localizer.shared.text("error.order.not_pending", .en)
            #expect(page.text.contains(#"data-testid="error-message">"# + expected))
            let api = try await Browser(app).get("/api/v1/refused")
            #expect(api.status == .unprocessableEntity)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(api.text.utf8)) as? [String: [String: String]])
            #expect(body["error"]?["code"] == "not_refundable")
            #expect(body["error"]?["message"] == Localizer.shared.text("error.refund.not_refundable", .en))
        }
    }
}
