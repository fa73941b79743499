import BillingDemo
import BillingDomain
import BillingEngine
import BillingStore
import EngineTestSupport
import FluentKit
import Foundation
import Testing

@Suite("Accounts, login, password reset, staff adjustments")
struct AccountTests {
    @Test func signUpCreatesTheAccountAndItsOwner() async throws {
        try await TestEngine.run { app, _ in
            let first = try await app.signUpClient(email: "  Anna@Example.com ", country: "ua", currency: .UAH)
            let second = try await app.signUpClient(email: "boris@example.com", country: "DE")
            let account = try #require(try await AccountRecord.find(first.accountID, on: app.db))
            #expect(account.clientCode == 10_001)
            #expect(second.clientCode == 10_002)
            #expect(account.country == "UA")
            #expect(account.currency == .UAH)
            #expect(account.registeredOn == "2026-01-15") // the test clock, Kyiv time
            let user = try #require(try await UserRecord.find(first.userID, on: app.db))
            #expect(user.email == "anna@example.com")
            #expect(user.isOwner)
            // A digest of the password, never the password (bcrypt in the server: ClientAreaTests).
            #expect(!user.passwordHash.contains("correct horse battery"))
            #expect(try await app.engine.passwords.verify("correct horse battery", against: user.passwordHash))
            #expect(!(try await app.engine.passwords.verify("correct horse batterY", against: user.passwordHash)))
        }
    }

    @Test func signUpRefusesBadInputAndChangesNothing() async throws {
        try await TestEngine.run { app, _ in
            try await app.signUpClient(email: "anna@example.com")
            await #expect(throws: SignUpError.emailTaken) { try await app.signUpClient(email: "ANNA@example.com") }
            await #expect(throws: SignUpError.password(.tooShort(minimum: 12))) {
                try await app.signUpClient(email: "x@example.com", password: "short")
            }
            await #expect(throws: SignUpError.invalidEmail) { try await app.signUpClient(email: "not-an-email") }
            await #expect(throws: SignUpError.unknownCountry) { try await app.signUpClient(email: "y@example.com", country: "XX") }
            await #expect(throws: SignUpError.nameRequired) { try await app.signUpClient(email: "z@example.com", name: "   ") }
            #expect(try await AccountRecord.query(on: app.db).count() == 1)
            #expect(try await UserRecord.query(on: app.db).count() == 1)
        }
    }

    @Test func loginIsThrottledPerEmailWithTheSameAnswerForUnknownEmails() async throws {
        try await TestEngine.run { app, clock in
            try await app.signUpClient(email: "anna@example.com")
            let auth = Authentication(context: app.engine)
            for _ in 0..<5 {
                await #expect(throws: LoginError.invalidCredentials) {
                    try await auth.login(realm: .client, email: "anna@example.com", password: "wrong password!", ip: "10.0.0.1")
                }
                await #expect(throws: LoginError.invalidCredentials) {
                    try await auth.login(realm: .client, email: "ghost@example.com", password: "wrong password!", ip: "10.0.0.2")
                }
            }
            // The guesser's address is locked for that e-mail, even with the right password; a
            // nonexistent e-mail answers the same. The customer, from their own address, is not.
            await #expect(throws: LoginError.throttled) {
                try await auth.login(realm: .client, email: "anna@example.com", password: "correct horse battery", ip: "10.0.0.1")
            }
            await #expect(throws: LoginError.throttled) {
                try await auth.login(realm: .client, email: "ghost@example.com", password: "whatever password", ip: "10.0.0.2")
            }
            _ = try await auth.login(realm: .client, email: "anna@example.com", password: "correct horse battery", ip: "10.0.0.3")
            // The wait grows: a minute after the fifth failure, two after the sixth.
            clock.advance(by: 61)
            await #expect(throws: LoginError.invalidCredentials) {
                try await auth.login(realm: .client, email: "anna@example.com", password: "wrong password!", ip: "10.0.0.1")
            }
            clock.advance(by: 61)
            await #expect(throws: LoginError.throttled) {
                try await auth.login(realm: .client, email: "anna@example.com", password: "correct horse battery", ip: "10.0.0.1")
            }
            clock.advance(by: 60)
            let principal = try await auth.login(
                realm: .client, email: "ANNA@example.com", password: "correct horse battery", ip: "10.0.0.1")
            #expect(principal.realm == .client)
            let user = try #require(try await UserRecord.find(principal.id, on: app.db))
            #expect(user.lastLoginAt == clock.now)
        }
    }

    @Test func loginIsThrottledPerIP() async throws {
        try await TestEngine.run { app, _ in
            try await app.signUpClient(email: "anna@example.com")
            let auth = Authentication(context: app.engine)
            for index in 0..<20 {
                _ = try? await auth.login(
                    realm: .client, email: "guess\(index)@example.com", password: "wrong password!", ip: "203.0.113.9")
            }
            await #expect(throws: LoginError.throttled) {
                try await auth.login(realm: .client, email: "anna@example.com", password: "correct horse battery", ip: "203.0.113.9")
            }
            _ = try await auth.login(realm: .client, email: "anna@example.com", password: "correct horse battery", ip: "198.51.100.1")
        }
    }

    @Test func passwordResetLinksAreSingleUseAndExpire() async throws {
        try await TestEngine.run { app, clock in
            let client = try await app.signUpClient(email: "anna@example.com", language: .uk)
            let resets = PasswordResets(context: app.engine)
            try await resets.request(email: "nobody@example.com", language: .en)
            try await JobWorker(context: app.engine, owner: "test").runDue() // the request's job queues the e-mail
            #expect(try await OutboxEmailRecord.query(on: app.db).count() == 0)

            try await resets.request(email: "Anna@example.com", language: .en)
            try await JobWorker(context: app.engine, owner: "test").runDue() // the request's job queues the e-mail
            let mail = try #require(try await OutboxEmailRecord.query(on: app.db).first())
            #expect(mail.recipient == "anna@example.com")
            #expect(mail.category == .security)
            #expect(mail.subject == "Скидання пароля Demo Hosting") // the user's language, not the form's
            // The outbox holds a placeholder; the token is made when the message is sent.
            #expect(mail.body.contains("http://billing.test/password/reset/{token}"))
            #expect(try await PasswordResetRecord.query(on: app.db).count() == 0)
            let token = try #require(try await app.mailedTokens(to: "anna@example.com", path: "/password/reset/").first)
            #expect(app.sentMail.first?.text.contains("http://billing.test/password/reset/\(token)") == true)
            #expect(try await PasswordResetRecord.query(on: app.db).first()?.tokenHash == SecretToken.digest(token))
            #expect(try await OutboxEmailRecord.find(mail.id!, on: app.db)?.body.contains(token) == false)

            let sessions = WebSessions(context: app.engine)
            let cookie = try await sessions.start(realm: .client, principalID: client.userID, ip: nil, userAgent: nil)
            await #expect(throws: PasswordResetError.password(.tooShort(minimum: 12))) {
                try await resets.complete(token: token, newPassword: "short")
            }
            try await resets.complete(token: token, newPassword: "a brand new password")
            #expect(try await sessions.resolve(token: cookie, realm: .client) == nil) // every session ended
            await #expect(throws: PasswordResetError.invalidOrExpiredLink) {
                try await resets.complete(token: token, newPassword: "another new password")
            }
            _ = try await Authentication(context: app.engine).login(
                realm: .client, email: "anna@example.com",
                password: "a brand new password", ip: "10.0.0.1")

            try await resets.request(email: "anna@example.com", language: .en)
            let token2 = try #require(try await app.mailedTokens(to: "anna@example.com", path: "/password/reset/").last)
            #expect(token2 != token)
            clock.advance(by: PasswordResets.lifetime + 1)
            #expect(try await resets.isUsable(token: token2) == false)
            await #expect(throws: PasswordResetError.invalidOrExpiredLink) {
                try await resets.complete(token: token2, newPassword: "too late for this one")
            }
        }
    }

    @Test func sessionsExpireWhenIdleAndEndOnLogout() async throws {
        try await TestEngine.run { app, clock in
            let client = try await app.signUpClient()
            let sessions = WebSessions(context: app.engine)
            let token = try await sessions.start(realm: .client, principalID: client.userID, ip: "10.0.0.1", userAgent: "test")
            #expect(try await sessions.resolve(token: token, realm: .client)?.principalID == client.userID)
            #expect(try await sessions.resolve(token: token, realm: .staff) == nil) // a client cookie is no staff cookie
            #expect(try await WebSessionRecord.query(on: app.db).first()?.tokenHash == SecretToken.digest(token))
            clock.advance(by: WebSessions.idleLifetime - 60)
            #expect(try await sessions.resolve(token: token, realm: .client) != nil) // activity extends it
            clock.advance(by: WebSessions.idleLifetime - 60)
            #expect(try await sessions.resolve(token: token, realm: .client) != nil)
            clock.advance(by: WebSessions.idleLifetime + 1)
            #expect(try await sessions.resolve(token: token, realm: .client) == nil)
            let again = try await sessions.start(realm: .client, principalID: client.userID, ip: nil, userAgent: nil)
            try await sessions.end(token: again)
            #expect(try await sessions.resolve(token: again, realm: .client) == nil)
        }
    }

    @Test func staffAdjustmentsPostOnceWithTheReason() async throws {
        try await TestEngine.run { app, _ in
            let client = try await app.signUpClient(currency: .RUB)
            let staffID = try await StaffAccounts(context: app.engine).create(
                email: "acc@provider.example", name: "Acc",
                password: "accountant password", role: .accountant)
            let adjustments = BalanceAdjustments(context: app.engine)
            let amount = Money(minor: 250_050, .RUB)
            try await adjustments.adjust(
                accountID: client.accountID, amount: amount, reason: "Compensation for downtime",
                caller: .staff(staffID, role: .accountant), idempotencyKey: "form-1")
            let replay = try await adjustments.adjust(
                accountID: client.accountID, amount: amount, reason: "Compensation for downtime",
                caller: .staff(staffID, role: .accountant), idempotencyKey: "form-1")
            #expect(replay.isReplay)
            try await adjustments.adjust(
                accountID: client.accountID, amount: Money(minor: -50, .RUB), reason: "Rounding",
                caller: .staff(staffID, role: .administrator), idempotencyKey: "form-2")
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .RUB) == Money(minor: 250_000, .RUB))
            let transaction = try #require(
                try await LedgerTransactionRecord.query(on: app.db).filter(\.$idempotencyKey == "adjust:form-1").first())
            #expect(transaction.memo == "Compensation for downtime")
            #expect(transaction.actor == "staff:\(staffID.uuidString.lowercased())")
            #expect(try await app.engine.ledger.total(of: .staffAdjustments, in: .RUB) == Money(minor: -250_000, .RUB))

            await #expect(throws: AdjustmentError.notPermitted) {
                try await adjustments.adjust(
                    accountID: client.accountID, amount: amount, reason: "x", caller: .staff(staffID, role: .support), idempotencyKey: "3")
            }
            await #expect(throws: AdjustmentError.reasonRequired) {
                try await adjustments.adjust(
                    accountID: client.accountID, amount: amount, reason: " ", caller: .staff(staffID, role: .accountant),
                    idempotencyKey: "4")
            }
            await #expect(throws: AdjustmentError.zeroAmount) {
                try await adjustments.adjust(
                    accountID: client.accountID, amount: Money(units: 40, currency: .RUB), reason: "x",
                    caller: .staff(staffID, role: .accountant), idempotencyKey: "5")
            }
            await #expect(throws: AdjustmentError.wrongCurrency(expected: "RUB")) {
                try await adjustments.adjust(
                    accountID: client.accountID, amount: Money(major: 1, .EUR), reason: "x",
                    caller: .staff(staffID, role: .accountant), idempotencyKey: "6")
            }
            await #expect(throws: AdjustmentError.accountNotFound) {
                try await adjustments.adjust(
                    accountID: UUID(), amount: amount, reason: "x", caller: .staff(staffID, role: .accountant), idempotencyKey: "7")
            }
            #expect(try await app.engine.ledger.balance(of: client.accountID, in: .RUB) == Money(minor: 250_000, .RUB))
        }
    }

    @Test func apiTokensAreStoredHashedAndRevocable() async throws {
        try await TestEngine.run { app, clock in
            let client = try await app.signUpClient()
            let tokens = APITokens(context: app.engine)
            let issued = try await tokens.issue(
                email: "anna@example.com", password: "correct horse battery", name: "CI script", ip: "10.0.0.1")
            #expect(issued.token.hasPrefix("bt_"))
            let record = try #require(try await APITokenRecord.find(issued.id, on: app.db))
            #expect(record.tokenHash == SecretToken.digest(issued.token))
            #expect(record.name == "CI script")
            let bearer = try #require(try await tokens.authenticate(issued.token))
            #expect(bearer.account.id == client.accountID)
            #expect(try await APITokenRecord.find(issued.id, on: app.db)?.lastUsedAt == clock.now)
            #expect(try await tokens.authenticate("bt_forged") == nil)
            record.revokedAt = clock.now
            try await record.save(on: app.db)
            #expect(try await tokens.authenticate(issued.token) == nil)
            await #expect(throws: LoginError.invalidCredentials) {
                try await tokens.issue(email: "anna@example.com", password: "wrong password", name: nil, ip: "10.0.0.1")
            }
        }
    }

    @Test func demoProviderSeedsOnlyAnEmptyDatabase() async throws {
        try await TestEngine.run { app, _ in
            let demo = DemoProvider(context: app.engine)
            #expect(try await demo.seedIfEmpty())
            #expect(try await demo.seedIfEmpty() == false)
            let user = try #require(try await UserRecord.query(on: app.db).filter(\.$email == DemoProvider.clientEmail).first())
            // 150.00 opening balance, less the demo's VPS Fast for a month (9.90, German VAT included).
            #expect(try await app.engine.ledger.balance(of: user.accountID, in: .EUR) == Money(minor: 14_010, .EUR))
            let services = try await ServiceRecord.query(on: app.db).filter(\.$accountID == user.accountID).all()
            #expect(services.map(\.planName) == ["VPS Fast"])
            #expect(services.map(\.status) == [.active])
            #expect(try await PlanRecord.query(on: app.db).count() == 11)
            #expect(try await demo.workingLogins()?.staffEmail == DemoProvider.staffEmail)
        }
    }

    @Test func aHundredFailuresAnHourFromManyAddressesLockTheEMailForAnHour() async throws {
        try await TestEngine.run { app, clock in
            try await app.signUpClient(email: "anna@example.com")
            let auth = Authentication(context: app.engine)
            for index in 0..<100 {
                _ = try? await auth.login(
                    realm: .client, email: "anna@example.com", password: "wrong password!",
                    ip: "198.51.100.\(index % 50)")
            }
            // Locked for a browser that never signed in: the right password gets the second step
            // (a sign-in link by e-mail), not a session.
            await #expect(throws: LoginError.secondStepRequired) {
                try await auth.login(realm: .client, email: "anna@example.com", password: "correct horse battery", ip: "192.0.2.1")
            }
            clock.advance(by: 3601)
            _ = try await auth.login(realm: .client, email: "anna@example.com", password: "correct horse battery", ip: "192.0.2.1")
        }
    }

    @Test func aNewPasswordRevokesTokensAndOtherLinksAndBadPasswordsAreRefused() async throws {
        try await TestEngine.run { app, _ in
            try await app.signUpClient(email: "anna@example.com")
            let issued = try await APITokens(context: app.engine).issue(
                email: "anna@example.com", password: "correct horse battery",
                name: "script", ip: "10.0.0.1")
            #expect(try await APITokens(context: app.engine).authenticate(issued.token) != nil)
            let resets = PasswordResets(context: app.engine)
            try await resets.request(email: "anna@example.com", language: .en)
            try await resets.request(email: "anna@example.com", language: .en)
            try await JobWorker(context: app.engine, owner: "test").runDue() // the request's job queues the e-mail
            let mails = try await OutboxEmailRecord.query(on: app.db).sort(\.$createdAt).all()
            #expect(mails.count == 2)
            #expect(mails[0].body.contains("revokes your API tokens"))
            let tokens = try await app.mailedTokens(to: "anna@example.com", path: "/password/reset/")
            #expect(tokens.count == 2)
            await #expect(throws: PasswordResetError.password(.controlCharacters)) {
                try await resets.complete(token: tokens[0], newPassword: "a long password\u{0}with NUL")
            }
            await #expect(throws: PasswordResetError.password(.tooManyBytes(maximum: 72))) {
                try await resets.complete(token: tokens[0], newPassword: String(repeating: "пароль", count: 7)) // 42 letters, 84 bytes
            }
            try await resets.complete(token: tokens[0], newPassword: "a brand new password")
            #expect(try await APITokens(context: app.engine).authenticate(issued.token) == nil)
            #expect(try await resets.isUsable(token: tokens[1]) == false)
        }
    }

    @Test func aSessionEndsAWeekAfterLoginHoweverActive() async throws {
        try await TestEngine.run { app, clock in
            let client = try await app.signUpClient()
            let sessions = WebSessions(context: app.engine)
            let cookie = try await sessions.start(realm: .client, principalID: client.userID, ip: nil, userAgent: nil)
            // Used every 11 hours (never idle for the 12 that end a session), for a week.
            for _ in 0..<15 {
                clock.advance(by: 11 * 3600)
                #expect(try await sessions.resolve(token: cookie, realm: .client) != nil)
            }
            clock.advance(by: 4 * 3600)
            #expect(try await sessions.resolve(token: cookie, realm: .client) == nil)
        }
    }

    @Test func signUpsAndResetRequestsAreLimitedPerAddress() async throws {
        try await TestEngine.run { app, _ in
            let registration = AccountRegistration(context: app.engine)
            for index in 0..<10 {
                try await registration.request(
                    SignUpForm(
                        email: "user\(index)@example.com", password: "correct horse battery",
                        name: "User \(index)", country: "DE", language: .en), ip: "203.0.113.1")
            }
            await #expect(throws: SignUpError.tooManyRequests) {
                try await registration.request(
                    SignUpForm(
                        email: "user10@example.com", password: "correct horse battery",
                        name: "User", country: "DE", language: .en), ip: "203.0.113.1")
            }
            try await registration.request(
                SignUpForm(
                    email: "user11@example.com", password: "correct horse battery",
                    name: "User", country: "DE", language: .en), ip: "203.0.113.2")
            #expect(try await UserRecord.query(on: app.db).count() == 11)
            let throttle = RequestThrottle(context: app.engine)
            for _ in 0..<5 { #expect(try await throttle.admit(.passwordReset, email: "user1@example.com", ip: "203.0.113.3")) }
            #expect(try await throttle.admit(.passwordReset, email: "user1@example.com", ip: "203.0.113.4") == false)
        }
    }
}
