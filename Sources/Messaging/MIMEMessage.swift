import Foundation

/// Writes an `EmailMessage` as RFC 5322 / MIME text: UTF-8 headers encoded as RFC 2047 words,
/// `multipart/alternative` (text, then HTML) inside `multipart/mixed` when there are attachments,
/// every part base64 with lines of 76, CRLF line ends.
public enum MIMEMessage {
    public static func render(_ message: EmailMessage, boundarySeed: String = UUID().uuidString) -> String {
        let alternative = "alt-" + boundarySeed
        let mixed = "mix-" + boundarySeed
        var headers = [
            "From: " + mailbox(message.from),
            "To: <\(message.to)>",
            "Subject: " + encodedWord(message.subject),
            "Date: " + rfc5322Date(message.date),
            "Message-ID: " + message.messageID,
            "MIME-Version: 1.0",
            "Content-Language: " + message.language.rawValue,
            "Auto-Submitted: auto-generated"
        ]
        let alternativeBody = [
            "--\(alternative)",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines(Data(message.text.utf8)),
            "--\(alternative)",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "",
            base64Lines(Data(message.html.utf8)),
            "--\(alternative)--"
        ].joined(separator: "\r\n")
        var body: String
        if message.attachments.isEmpty {
            headers.append("Content-Type: multipart/alternative; boundary=\"\(alternative)\"")
            body = alternativeBody
        } else {
            headers.append("Content-Type: multipart/mixed; boundary=\"\(mixed)\"")
            var parts = ["--\(mixed)", "Content-Type: multipart/alternative; boundary=\"\(alternative)\"", "", alternativeBody]
            for attachment in message.attachments {
                let name = encodedWord(attachment.filename)
                parts += [
                    "--\(mixed)", "Content-Type: \(attachment.contentType); name=\"\(name)\"",
                    "Content-Disposition: attachment; filename=\"\(name)\"", "Content-Transfer-Encoding: base64", "",
                    base64Lines(attachment.data)
                ]
            }
            parts.append("--\(mixed)--")
            body = parts.joined(separator: "\r\n")
        }
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    }

    /// `"Name" <address>`, the name as an encoded word when it is not plain ASCII.
    static func mailbox(_ addressee: EmailAddressee) -> String {
        guard let name = addressee.name, !name.isEmpty else { return "<\(addressee.address)>" }
        let plain = name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
        return (plain ? "\"\(name)\"" : encodedWord(name)) + " <\(addressee.address)>"
    }

    /// RFC 2047 `=?UTF-8?B?…?=` for text that is not plain ASCII (and for any line break, which
    /// would otherwise start a header of its own).
    static func encodedWord(_ text: String) -> String {
        let clean = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        guard clean.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value >= 0x7F }) || clean.contains("=?") else {
            return clean
        }
        // Words of at most 45 bytes of text, split on character boundaries, so no line is too long.
        var words: [String] = []
        var chunk = ""
        for character in clean {
            if chunk.utf8.count + String(character).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?UTF-8?B?" + Data($0.utf8).base64EncodedString() + "?=" }.joined(separator: "\r\n ")
    }

    static func base64Lines(_ data: Data) -> String {
        let encoded = data.base64EncodedString()
        var lines: [Substring] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(encoded[index..<end])
            index = end
        }
        return lines.joined(separator: "\r\n")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
