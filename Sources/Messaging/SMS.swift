import BillingDomain
import Foundation

/// A text message to one phone number (E.164, `+380501234567`).
public struct SMSMessage: Sendable, Equatable {
    public let to: String
    public let text: String

    public init(to: String, text: String) {
        self.to = to
        self.text = text
    }
}

/// A way to send text messages (an SMS provider's HTTP API; in development, nowhere). The SMS
/// jobs hand messages to it; until one is configured, messages wait and their jobs fail visibly.
public protocol SMSChannel: Sendable {
    /// The provider's name, shown to staff beside each message.
    var name: String { get }
    /// `true` for the development channel only: the text it "sent" (codes included) is kept for
    /// staff to read, because no phone received it. A real channel's texts are never stored.
    var keepsTexts: Bool { get }
    /// Hands the message over; returns the provider's id of it. Throws `DeliveryError`.
    func send(_ message: SMSMessage) async throws -> String
}

/// Twilio's Programmable Messaging (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP
/// basic authentication with the account SID and auth token, a form body of `To`, `From` or
/// `MessagingServiceSid`, and `Body`). Twilio answers 201 with the message's `sid`; an error is a
/// JSON object with Twilio's `code` and `message`. A 4xx (a bad number, a blocked destination,
/// wrong credentials) is permanent; 429 and 5xx, and a connection that fails, are retried.
public struct TwilioSMSChannel: SMSChannel {
    public let accountSID: String
    let authToken: String
    /// A sending number (`+1…`), an alphanumeric sender id, or a messaging service (`MG…`).
    public let from: String
    public let apiBase: String
    let http: any OutboundHTTPClient

    public var name: String { "twilio" }
    public var keepsTexts: Bool { false }

    public init(
        accountSID: String, authToken: String, from: String, apiBase: String = "https://api.twilio.com", http: any OutboundHTTPClient
    ) {
        self.accountSID = accountSID
        self.authToken = authToken
        self.from = from
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.http = http
    }

    public func send(_ message: SMSMessage) async throws -> String {
        let sender = from.hasPrefix("MG") ? ("MessagingServiceSid", from) : ("From", from)
        let credentials = Data("\(accountSID):\(authToken)".utf8).base64EncodedString()
        let request = OutboundHTTPRequest(
            method: "POST", url: "\(apiBase)/2010-04-01/Accounts/\(accountSID)/Messages.json",
            headers: [
                "Authorization": "Basic " + credentials, "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"
            ],
            body: FormEncoding.encode([("To", message.to), sender, ("Body", message.text)]))
        let response: OutboundHTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            throw DeliveryError("Twilio is unreachable: \(error)", isPermanent: false)
        }
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        switch response.status {
        case 200, 201:
            guard let sid = object["sid"] as? String, !sid.isEmpty else {
                throw DeliveryError("Twilio answered \(response.status) without a message sid", isPermanent: false)
            }
            return sid
        default:
            let code = (object["code"] as? Int).map { " \($0)" } ?? ""
            let text = (object["message"] as? String) ?? "no message"
            let permanent = response.status >= 400 && response.status < 500 && response.status != 429
            throw DeliveryError("Twilio refused (HTTP \(response.status)\(code)): \(text)", isPermanent: permanent)
        }
    }
}

/// Development: nothing leaves the machine; staff read the texts on `/admin/sms`.
public struct DevelopmentSMSChannel: SMSChannel {
    public init() {}
    public var name: String { "development" }
    public var keepsTexts: Bool { true }
    public func send(_ message: SMSMessage) async throws -> String { "dev-" + UUID().uuidString.lowercased() }
}
