import BillingDomain
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Twilio's Messages API on a local port, checking each request as Twilio does: the account in
/// the path, HTTP basic authentication with the account SID and auth token, a form body with an
/// E.164 `To`, a `From` or `MessagingServiceSid`, and a `Body` of at most 1 600 characters.
/// Errors come back as Twilio's JSON (`code`, `message`, `more_info`, `status`) with Twilio's
/// codes; a good request is answered 201 with a new `SM…` sid. `failNext` makes the next calls
/// answer 503, as Twilio does when it is down.
public final class TwilioStandIn: @unchecked Sendable {
    public static let accountSID = "AC" + String(repeating: "a1", count: 16)
    public static let authToken = "twilio-standin-token"
    public static let from = "+15005550006"

    public struct Sent: Sendable, Equatable {
        public let sid: String
        public let to: String
        public let from: String
        public let body: String
    }

    public let app: Application
    public private(set) var port = 0
    private let state = NIOLockedValueBox((sent: [Sent](), failures: 0, counter: 0))

    public init() async throws {
        app = try await Application.make(.testing)
        routes()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        port = app.http.server.shared.localAddress?.port ?? 0
    }

    public func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    public var base: String { "http://127.0.0.1:\(port)" }
    /// The messages Twilio accepted, oldest first.
    public var sent: [Sent] { state.withLockedValue { $0.sent } }
    public func failNext(_ count: Int) { state.withLockedValue { $0.failures = count } }

    /// The six-digit code in the last message to `number`.
    public func lastCode(to number: String) -> String? {
        guard let body = sent.last(where: { $0.to == number })?.body else { return nil }
        return body.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 }.map(String.init)
    }

    private static func error(_ status: HTTPStatus, code: Int, _ message: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        let object: [String: Any] = [
            "code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)", "status": Int(status.code)
        ]
        return Response(status: status, headers: headers, body: .init(data: try! JSONSerialization.data(withJSONObject: object)))
    }

    private func routes() {
        app.post("2010-04-01", "Accounts", ":account", "Messages.json") { [self] req -> Response in
            if state.withLockedValue({ s in
                s.failures > 0
                    ? {
                        s.failures -= 1
                        return true
                    }() : false
            }) {
                return Self.error(.serviceUnavailable, code: 20500, "Internal Server Error")
            }
            let expected = "Basic " + Data("\(Self.accountSID):\(Self.authToken)".utf8).base64EncodedString()
            guard req.parameters.get("account") == Self.accountSID, req.headers.first(name: .authorization) == expected else {
                return Self.error(.unauthorized, code: 20003, "Authenticate")
            }
            guard req.headers.contentType == .urlEncodedForm, let body = req.body.data else {
                return Self.error(.badRequest, code: 20001, "Unsupported content type")
            }
            let fields = FormEncoding.decode(Data(buffer: body))
            guard let to = fields["To"], to.range(of: #"^\+[1-9][0-9]{7,14}$"#, options: .regularExpression) != nil else {
                return Self.error(.badRequest, code: 21211, "Invalid 'To' Phone Number: \(fields["To"] ?? "")")
            }
            guard let from = fields["From"] ?? fields["MessagingServiceSid"], !from.isEmpty else {
                return Self.error(.badRequest, code: 21603, "A 'From' phone number is required.")
            }
            guard let text = fields["Body"], !text.isEmpty else {
                return Self.error(.badRequest, code: 21602, "Message body is required.")
            }
            guard text.count <= 1600 else {
                return Self.error(.badRequest, code: 21617, "The concatenated message body exceeds the 1600 character limit.")
            }
            let sid = state.withLockedValue { s in
                s.counter += 1
                let sid = "SM" + String(format: "%032x", s.counter)
                s.sent.append(Sent(sid: sid, to: to, from: from, body: text))
                return sid
            }
            var headers = HTTPHeaders()
            headers.contentType = .json
            let answer: [String: Any] = [
                "sid": sid, "account_sid": Self.accountSID, "to": to, "from": from, "body": text, "status": "queued",
                "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01", "error_code": NSNull(),
                "uri": "/2010-04-01/Accounts/\(Self.accountSID)/Messages/\(sid).json"
            ]
            return Response(status: .created, headers: headers, body: .init(data: try JSONSerialization.data(withJSONObject: answer)))
        }
    }
}
