import BillingDomain
import BillingTestSupport
import Foundation
import Messaging
import Testing

@Suite("E-mail: MIME and SMTP")
struct SMTPTests {
    static func message(_ id: String, subject: String = "Сброс пароля Demo Hosting", language: Language = .ru) -> EmailMessage {
        EmailMessage(
            from: EmailAddressee(name: "Demo Hosting", address: "billing@demo.example"), to: "anna@example.com",
            subject: subject, text: "Здравствуйте, Анна!\n\nСсылка: https://billing.example/password/reset/abc\n.\nКонец.",
            messageID: "<\(id)@billing.example>", date: Date(timeIntervalSince1970: 1_768_467_600), language: language)
    }

    @Test func aMessageIsMultipartWithEncodedHeadersAndAttachments() throws {
        let plain = MIMEMessage.render(Self.message("m1"), boundarySeed: "B")
        #expect(plain.contains("From: \"Demo Hosting\" <billing@demo.example>\r\n"))
        #expect(plain.contains("To: <anna@example.com>\r\n"))
        #expect(plain.contains("Subject: =?UTF-8?B?"))
        #expect(plain.contains("Date: Thu, 15 Jan 2026 09:00:00 +0000\r\n"))
        #expect(plain.contains("Message-ID: <m1@billing.example>\r\n"))
        #expect(plain.contains("Content-Type: multipart/alternative; boundary=\"alt-B\"\r\n"))
        #expect(plain.contains("Content-Type: text/plain; charset=utf-8\r\n"))
        #expect(plain.contains("Content-Type: text/html; charset=utf-8\r\n"))
        #expect(plain.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 998 })
        // The subject decodes back to the Russian text.
        let subjectLine = try #require(plain.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") })
        let encoded = subjectLine.dropFirst("Subject: =?UTF-8?B?".count).dropLast(2)
        #expect(String(data: try #require(Data(base64Encoded: String(encoded))), encoding: .utf8) == "Сброс пароля Demo Hosting")
        let html = EmailHTML.page(fromText: "Hello <you>\n\nOpen https://x.example/a?b=1&c=2 now", language: .en)
        #expect(html.contains("Hello &lt;you&gt;"))
        #expect(html.contains(#"<a href="https://x.example/a?b=1&amp;c=2" style="color:#2952cc">https://x.example/a?b=1&amp;c=2</a> now"#))

        let attached = EmailMessage(
            from: EmailAddressee(address: "billing@demo.example"), to: "anna@example.com", subject: "Invoice",
            text: "See the attachment.",
            attachments: [
                EmailAttachment(
                    filename: "Счёт 1.pdf", contentType: "application/pdf",
                    data: Data("%PDF-1.4".utf8))
            ],
            messageID: "<m2@x>", date: Date(), language: .en)
        let mixed = MIMEMessage.render(attached, boundarySeed: "C")
        #expect(mixed.contains("Content-Type: multipart/mixed; boundary=\"mix-C\"\r\n"))
        #expect(mixed.contains("Content-Disposition: attachment; filename=\"=?UTF-8?B?"))
        #expect(mixed.contains(Data("%PDF-1.4".utf8).base64EncodedString()))
        #expect(
            MIMEMessage.render(Self.message("m3", subject: "Line\r\nBcc: x@evil.example"), boundarySeed: "D")
                .contains("Subject: Line  Bcc: x@evil.example\r\n"))
    }

    @Test func theRelayIsReadFromOneURL() throws {
        let starttls = try SMTPConfiguration.parse("smtp://billing:p%40ss@mail.example:2525?starttls=required&ca_file=/etc/ca.pem")
        #expect(starttls.host == "mail.example")
        #expect(starttls.port == 2525)
        #expect(starttls.security == .startTLSRequired)
        #expect(starttls.username == "billing")
        #expect(starttls.password == "p@ss")
        #expect(starttls.caFile == "/etc/ca.pem")
        #expect(!starttls.description.contains("p@ss"))
        #expect(try SMTPConfiguration.parse("smtps://mail.example").port == 465)
        #expect(try SMTPConfiguration.parse("smtps://mail.example").security == .implicitTLS)
        #expect(try SMTPConfiguration.parse("smtp://mail.example").security == .startTLSIfOffered)
        #expect(try SMTPConfiguration.parse("smtp://mail.example?starttls=off").security == .plain)
        for bad in [
            "http://mail.example", "smtp://", "smtps://mail.example?starttls=off", "smtp://m.example?starttls=maybe",
            "smtp://m.example?timeout=0"
        ] {
            #expect(throws: SMTPConfiguration.Invalid.self, "\(bad)") { try SMTPConfiguration.parse(bad) }
        }
        #expect(
            EmailAddressee.parse("Demo Hosting <billing@demo.example>")
                == EmailAddressee(name: "Demo Hosting", address: "billing@demo.example"))
        #expect(EmailAddressee.parse("billing@demo.example") == EmailAddressee(address: "billing@demo.example"))
        #expect(EmailAddressee.parse("not an address") == nil)
    }

    @Test(.enabled(if: SMTPTestServer.isConfigured, "needs SMTP_TEST_CONFIG: the aiosmtpd server .ci/run starts"))
    func messagesReachARealServerOverPlainSTARTTLSAndTLS() async throws {
        let server = try SMTPTestServer.load()
        let cases: [(String, Int, String)] = [
            ("plain", server.plain, "smtp://\(server.user):\(server.password)@127.0.0.1:\(server.plain)?starttls=off"),
            (
                "starttls", server.startTLS,
                "smtp://\(server.user):\(server.password)@127.0.0.1:\(server.startTLS)?starttls=required&ca_file=\(server.ca)"
            ),
            ("tls", server.tls, "smtps://\(server.user):\(server.password)@127.0.0.1:\(server.tls)?ca_file=\(server.ca)")
        ]
        for (name, _, url) in cases {
            let id = "\(name)-\(UUID().uuidString.lowercased())"
            try await SMTPChannel(configuration: try SMTPConfiguration.parse(url)).deliver(Self.message(id))
            let stored = try server.messages(withID: "<\(id)@billing.example>")
            #expect(stored.count == 1, "\(name)")
            let text = try #require(stored.first)
            #expect(text.contains("X-Authenticated: yes"), "\(name)")
            if name == "starttls" { #expect(text.contains("X-TLS: yes")) }
            #expect(text.contains("From: \"Demo Hosting\" <billing@demo.example>"), "\(name)")
            // Dot-stuffing kept the lone "." line of the text intact (it decodes from base64 anyway).
            #expect(text.contains("Content-Type: text/plain; charset=utf-8"), "\(name)")
        }
    }

    @Test(.enabled(if: SMTPTestServer.isConfigured, "needs SMTP_TEST_CONFIG: the aiosmtpd server .ci/run starts"))
    func refusalsAreTemporaryOrPermanentAsTheServerSays() async throws {
        let server = try SMTPTestServer.load()
        // A wrong password: the server's 535 is permanent.
        do {
            try await SMTPChannel(
                configuration: try SMTPConfiguration.parse(
                    "smtp://\(server.user):wrong@127.0.0.1:\(server.plain)?starttls=off")
            ).deliver(Self.message("bad-\(UUID())"))
            Issue.record("a wrong password was accepted")
        } catch let error as DeliveryError {
            #expect(error.isPermanent)
            #expect(error.description.contains("535"))
        }
        // STARTTLS required, but the server does not offer it: refused, nothing sent in the clear.
        do {
            try await SMTPChannel(
                configuration: try SMTPConfiguration.parse(
                    "smtp://\(server.user):\(server.password)@127.0.0.1:\(server.plain)?starttls=required")
            ).deliver(Self.message("clear-\(UUID())"))
            Issue.record("sent without STARTTLS although required")
        } catch let error as DeliveryError {
            #expect(error.description.contains("does not offer STARTTLS"))
        }
        // A certificate nobody vouches for is refused.
        do {
            try await SMTPChannel(
                configuration: try SMTPConfiguration.parse(
                    "smtps://\(server.user):\(server.password)@127.0.0.1:\(server.tls)?timeout=5")
            ).deliver(Self.message("untrusted-\(UUID())"))
            Issue.record("an untrusted certificate was accepted")
        } catch let error as DeliveryError {
            #expect(!error.isPermanent)
        }
        // Nobody listening: temporary, tried again later.
        do {
            try await SMTPChannel(configuration: try SMTPConfiguration.parse("smtp://127.0.0.1:1?timeout=2")).deliver(
                Self.message("down-\(UUID())"))
            Issue.record("delivered to a closed port")
        } catch let error as DeliveryError {
            #expect(!error.isPermanent)
        }
    }
}
