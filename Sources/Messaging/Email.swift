import BillingDomain
import Foundation

/// An address with an optional display name: `Demo Hosting <billing@demo.example>`.
public struct EmailAddressee: Sendable, Equatable {
    public let name: String?
    public let address: String

    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }

    /// Reads `Name <address>` or a bare `address`; `nil` when there is no plausible address.
    public static func parse(_ text: String) -> EmailAddressee? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            let name = trimmed[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard Self.isPlausible(address) else { return nil }
            return EmailAddressee(name: name.isEmpty ? nil : name, address: address)
        }
        return Self.isPlausible(trimmed) ? EmailAddressee(address: trimmed) : nil
    }

    static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && address.count <= 254
            && !address.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\r" || $0 == "\n" })
    }
}

/// A file sent with a message (documents: invoices, acts).
public struct EmailAttachment: Sendable, Equatable {
    public let filename: String
    public let contentType: String
    public let data: Data

    public init(filename: String, contentType: String, data: Data) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// An e-mail ready to hand to a delivery channel: a text part, an HTML part made from the same
/// text, attachments, and the headers that let a mail client thread and date it.
public struct EmailMessage: Sendable, Equatable {
    public let from: EmailAddressee
    public let to: String
    public let subject: String
    public let text: String
    public let html: String
    public let attachments: [EmailAttachment]
    /// `<id@host>`: also what a delivered message is recognised by.
    public let messageID: String
    public let date: Date
    public let language: Language

    public init(
        from: EmailAddressee, to: String, subject: String, text: String, html: String? = nil,
        attachments: [EmailAttachment] = [], messageID: String, date: Date, language: Language
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html ?? EmailHTML.page(fromText: text, language: language)
        self.attachments = attachments
        self.messageID = messageID
        self.date = date
        self.language = language
    }
}

/// A way to deliver e-mail (SMTP, a provider's HTTP API). The outbox hands messages to it; until a
/// channel is configured, messages wait in the outbox and the staff's outbox page shows them.
public protocol EmailChannel: Sendable {
    func deliver(_ message: EmailMessage) async throws
}

/// Why a delivery failed; `isPermanent` decides between retrying later and giving up.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The server refused for good (a 5xx to the recipient or the message); a retry would not help.
    public let isPermanent: Bool

    public init(_ description: String, isPermanent: Bool) {
        self.description = description
        self.isPermanent = isPermanent
    }
}

/// The HTML part: the text, escaped, in paragraphs, with its links clickable.
public enum EmailHTML {
    public static func page(fromText text: String, language: Language) -> String {
        let paragraphs = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").map { paragraph in
            paragraph.split(separator: "\n", omittingEmptySubsequences: false).map { linked(escape(String($0))) }.joined(separator: "<br>")
        }
        let body = paragraphs.map { "<p style=\"margin:0 0 14px\">\($0)</p>" }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)"><head><meta charset="utf-8"></head>
            <body style="margin:0;padding:24px;background:#f5f6fa;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1a1d29">
            <div style="max-width:600px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
            \(body)
            </div></body></html>
            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Makes `http(s)://…` runs links; the text is already escaped, so a URL holds no quote.
    static func linked(_ escaped: String) -> String {
        var result = ""
        var rest = Substring(escaped)
        while let start = rest.range(of: "https://") ?? rest.range(of: "http://") {
            result += rest[..<start.lowerBound]
            let url = rest[start.lowerBound...].prefix { !$0.isWhitespace && $0 != "<" }
            result += "<a href=\"\(url)\" style=\"color:#2952cc\">\(url)</a>"
            rest = rest[url.endIndex...]
        }
        return result + rest
    }
}
