import BillingDomain
import BillingEngine
import BillingServer
import BillingStore
import BillingTestSupport
import Fluent
import Foundation
import Messaging
import Testing
import VaporTesting

/// The outbox really leaves: through SMTP to the aiosmtpd server `.ci/run` starts.
@Suite("Mail delivery through a real SMTP server")
struct MailDeliveryTests {
    static let needsServer = ConditionTrait.enabled(
        if: SMTPTestServer.isConfigured,
        "needs SMTP_TEST_CONFIG: the aiosmtpd server .ci/run starts")

    static func relay(_ server: SMTPTestServer, password: String? = nil) throws -> SMTPConfiguration {
        try SMTPConfiguration.parse(
            "smtp://\(server.user):\(password ?? server.password)@127.0.0.1:\(server.startTLS)"
                + "?starttls=required&ca_file=\(server.ca)&timeout=10")
    }

    @Test(needsServer) func aPasswordResetReachesTheServerOnceInTheUsersLanguage() async throws {
        let server = try SMTPTestServer.load()
        let relay = try Self.relay(server)
        let useRelay: (inout AppConfig) -> Void = {
            $0.mailChannel = nil
            $0.smtp = relay
        }
        try await TestApp.run(adjust: useRelay) { app, _ in
            let email = "reset-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            try await app.signUpClient(email: email, language: .uk)
            let browser = Browser(app)
            try await browser.get("/password/forgot")
            #expect(try await browser.post("/password/forgot", form: ["email": email]).status == .ok)
            try await JobWorker(context: app.engine, owner: "test").runDue() // the request's job queues the e-mail
            let queued = try #require(try await OutboxEmailRecord.query(on: app.db).filter(\.$recipient == email).first())
            #expect(queued.status == .queued)
            // The outbox holds no usable link: the token is made when the message is sent.
            #expect(queued.body.contains("http://billing.test/password/reset/{token}"))

            // Two workers at once: the message goes out once.
            async let a = JobWorker(context: app.engine, owner: "first").runDue()
            async let b = JobWorker(context: app.engine, owner: "second").runDue()
            let rounds = try await [a, b]
            #expect(rounds.map(\.done).reduce(0, +) == 1)
            #expect(try await JobWorker(context: app.engine, owner: "first").runDue().ran == 0)

            let sent = try #require(try await OutboxEmailRecord.find(queued.id!, on: app.db))
            #expect(sent.status == .sent)
            #expect(sent.attempts == 1)
            #expect(sent.body == queued.body)
            let messageID = "<\(queued.id!.uuidString.lowercased())@billing.test>"
            #expect(sent.messageID == messageID)
            let stored = try server.messages(withID: messageID)
            #expect(stored.count == 1)
            let text = try #require(stored.first)
            #expect(text.contains("From: \"Demo Hosting\" <noreply@billing.test>"))
            #expect(text.contains("To: <\(email)>"))
            #expect(text.contains("Content-Language: uk"))
            #expect(text.contains("Date: Thu, 15 Jan 2026 09:00:00 +0000"))
            #expect(text.contains("X-TLS: yes"))
            let subject = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix("Subject: ") })
            let encoded = subject.dropFirst("Subject: =?UTF-8?B?".count).prefix { $0 != "?" }
            #expect(String(data: try #require(Data(base64Encoded: String(encoded))), encoding: .utf8) == "Скидання пароля Demo Hosting")
            // The link that arrived works: its page offers the form.
            let body = try SMTPTestServer.decodedText(text)
            let token = try #require(body.components(separatedBy: "/password/reset/").dropFirst().first?.prefix { !$0.isWhitespace })
            #expect(token.count > 20 && token != "{token}")
            #expect(try await browser.get("/password/reset/\(token)").status == .ok)
        }
    }

    @Test(needsServer) func failuresAreRetriedWithGrowingWaitsAndShownToStaff() async throws {
        let server = try SMTPTestServer.load()
        try await TestApp.run { app, clock in
            try await app.signUpClient(email: "down@example.com")
            try await PasswordResets(context: app.engine).request(email: "down@example.com", language: .en)
            let down = app.engine.replacingMailChannel(
                SMTPChannel(configuration: try SMTPConfiguration.parse("smtp://127.0.0.1:1?timeout=2")))
            #expect(try await down.runJobs().retried == 1)
            var record = try #require(try await OutboxEmailRecord.query(on: app.db).first())
            var job = try #require(try await JobRecord.query(on: app.db).filter(\.$kind == .mailSend).first())
            #expect(record.status == .queued)
            #expect(record.attempts == 1)
            #expect(job.runAfter == clock.now.addingTimeInterval(60))
            #expect(record.lastError?.contains("cannot connect") == true)
            // Not due yet: nothing is tried; a minute later it is, and the next wait is five minutes.
            #expect(try await down.runJobs().ran == 0)
            clock.advance(by: 61)
            #expect(try await down.runJobs().retried == 1)
            record = try #require(try await OutboxEmailRecord.find(record.id!, on: app.db))
            job = try #require(try await JobRecord.find(job.id!, on: app.db))
            #expect(record.attempts == 2)
            #expect(job.runAfter == clock.now.addingTimeInterval(300))

            // The relay refuses the login: that will not get better by itself, so it is given up at once.
            clock.advance(by: 301)
            let refused = app.engine.replacingMailChannel(SMTPChannel(configuration: try Self.relay(server, password: "wrong")))
            #expect(try await refused.runJobs().failed == 1)
            record = try #require(try await OutboxEmailRecord.find(record.id!, on: app.db))
            #expect(record.status == .failed)
            #expect(record.lastError?.contains("535") == true)
            #expect(try await JobRecord.find(job.id!, on: app.db)?.status == .failed)

            let staff = try await Browser.staff(app, role: .support)
            let outbox = try await staff.get("/admin/outbox")
            #expect(outbox.text.contains(#"data-testid="outbox-status">failed"#))
            #expect(outbox.text.contains("535"))
            // Staff put it back in the queue once the cause is fixed; it then goes out.
            let retry = try await staff.post("/admin/outbox/\(record.id!.uuidString.lowercased())/retry", form: [:])
            #expect(retry.location == "/admin/outbox?notice=mail_requeued")
            let working = app.engine.replacingMailChannel(SMTPChannel(configuration: try Self.relay(server)))
            #expect(try await working.runJobs().done == 1)
            #expect(try await OutboxEmailRecord.find(record.id!, on: app.db)?.status == .sent)
        }
    }
}
