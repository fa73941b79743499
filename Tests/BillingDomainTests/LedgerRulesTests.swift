import BillingDomain
import Foundation
import Testing

@Suite("Ledger postings, passwords, roles, languages")
struct LedgerRulesTests {
    let client = UUID(uuidString: "8d3f1a52-0000-4000-8000-000000000001")!

    @Test func balancedPostingsAreAccepted() throws {
        let posting = try LedgerPosting.credit(
            client: client, amount: Money(minor: 15_000, .EUR), from: .openingBalances,
            kind: .openingBalance, memo: "Opening", idempotencyKey: "k1")
        #expect(posting.lines.map(\.amount.units) == [1_500_000, -1_500_000])
        #expect(posting.lines[0].account == .clientBalance(client))
    }

    @Test func unbalancedEmptyOrZeroPostingsAreRefused() {
        #expect(throws: LedgerPosting.Invalid.unbalanced(currency: "EUR", difference: 100)) {
            try LedgerPosting(
                idempotencyKey: "k", kind: .charge, memo: "",
                lines: [
                    LedgerLine(.clientBalance(client), Money(units: -900, currency: .EUR)),
                    LedgerLine(.revenue, Money(units: 1_000, currency: .EUR))
                ])
        }
        // Balanced in total units but not per currency.
        #expect(throws: LedgerPosting.Invalid.unbalanced(currency: "EUR", difference: 100)) {
            try LedgerPosting(
                idempotencyKey: "k", kind: .charge, memo: "",
                lines: [
                    LedgerLine(.revenue, Money(units: 100, currency: .EUR)),
                    LedgerLine(.revenue, Money(units: -100, currency: .USD))
                ])
        }
        #expect(throws: LedgerPosting.Invalid.noLines) {
            try LedgerPosting(idempotencyKey: "k", kind: .charge, memo: "", lines: [LedgerLine(.revenue, Money(units: 0, currency: .EUR))])
        }
        #expect(throws: LedgerPosting.Invalid.zeroLine) {
            try LedgerPosting(
                idempotencyKey: "k", kind: .charge, memo: "",
                lines: [
                    LedgerLine(.revenue, .zero(.EUR)), LedgerLine(.taxPayable, .zero(.EUR))
                ])
        }
        #expect(throws: LedgerPosting.Invalid.missingIdempotencyKey) {
            try LedgerPosting.credit(
                client: client, amount: Money(minor: 1, .EUR), from: .revenue, kind: .payment, memo: "", idempotencyKey: " ")
        }
    }

    @Test func ledgerAccountCodesRoundTrip() {
        let accounts: [LedgerAccount] = [
            .clientBalance(client), .revenue, .taxPayable, .gatewayClearing("stripe"),
            .openingBalances, .staffAdjustments, .currencyExchange
        ]
        for account in accounts { #expect(LedgerAccount(code: account.code) == account) }
        #expect(LedgerAccount.clientBalance(client).code == "client:8d3f1a52-0000-4000-8000-000000000001")
        #expect(LedgerAccount(code: "nonsense") == nil)
    }

    @Test func passwordsNeedTwelveCharacters() {
        #expect(throws: PasswordError.tooShort(minimum: 12)) { try PasswordPolicy.check("elevenchars") }
        #expect(throws: Never.self) { try PasswordPolicy.check("twelve chars") }
        #expect(throws: PasswordError.tooLong(maximum: 128)) { try PasswordPolicy.check(String(repeating: "x", count: 129)) }
    }

    @Test func emailsAreNormalizedForCaseInsensitiveLogins() {
        #expect(EmailAddress.normalized("  Anna@Example.COM ") == "anna@example.com")
        #expect(EmailAddress.normalized("no-at-sign") == nil)
        #expect(EmailAddress.normalized("a@b") == nil)
        #expect(EmailAddress.normalized("a b@example.com") == nil)
        #expect(EmailAddress.normalized("a@example..com") == nil)
    }

    @Test func staffRolesGrantWhatTheyName() {
        #expect(StaffRole.administrator.allows(.adjustBalances))
        #expect(StaffRole.accountant.allows(.adjustBalances))
        #expect(!StaffRole.support.allows(.adjustBalances))
        #expect(StaffRole.support.allows(.viewClients))
    }

    @Test func acceptLanguagePicksASupportedLanguage() {
        #expect(Language.preferred(fromAcceptLanguage: "uk-UA,uk;q=0.9,en;q=0.8") == .uk)
        #expect(Language.preferred(fromAcceptLanguage: "de-DE,ru;q=0.5,en;q=0.7") == .en)
        #expect(Language.preferred(fromAcceptLanguage: "de-DE") == nil)
        #expect(Language.preferred(fromAcceptLanguage: nil) == nil)
    }

    @Test func loginThrottleSlowsAGuesserWithoutLockingTheCustomerOut() {
        let policy = LoginThrottlePolicy()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func failures(pair: Int, lastAgo: TimeInterval = 0, address: Int = 0, account: Int = 0) -> LoginThrottlePolicy.Failures {
            .init(pair: pair, lastPairFailure: now.addingTimeInterval(-lastAgo), address: address, account: account)
        }
        #expect(!policy.isLockedHere(failures(pair: 4, address: 19, account: 99), now: now))
        #expect(!policy.isAccountLocked(failures(pair: 4, address: 19, account: 99)))
        // The fifth failure of an e-mail from one address: that pair waits a minute, then two, four…
        #expect(policy.pairWait(failures(pair: 5), now: now) == 60)
        #expect(!policy.isLockedHere(failures(pair: 5, lastAgo: 61), now: now))
        #expect(policy.pairWait(failures(pair: 6), now: now) == 120)
        #expect(policy.pairWait(failures(pair: 10), now: now) == 60 * 32)
        #expect(policy.pairWait(failures(pair: 64), now: now) == 24 * 3600)
        // Twenty failures from one address over any e-mails lock the address; a hundred for one
        // e-mail in an hour lock the e-mail.
        #expect(policy.isLockedHere(failures(pair: 0, address: 20), now: now))
        // The e-mail's lock is not this address's: it sends the owner to the second step instead.
        #expect(!policy.isLockedHere(failures(pair: 0, account: 100), now: now))
        #expect(policy.isAccountLocked(failures(pair: 0, account: 100)))
    }
}
