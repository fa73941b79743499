import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where and how to reach the provider's mail relay, from `SMTP_URL`:
/// `smtp://user:pass@host:587` (STARTTLS when the server offers it), `?starttls=required` (refuse
/// to send without it), `?starttls=off`, `smtps://…:465` (TLS from the first byte); `ca_file=` trusts
/// a private CA. The password never appears in `description`.
public struct SMTPConfiguration: Sendable, Equatable, CustomStringConvertible {
    public enum Security: String, Sendable, Equatable {
        case plain, startTLSIfOffered, startTLSRequired, implicitTLS
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    public var caFile: String?
    /// Seconds for connecting and for each reply.
    public var timeout: Int64 = 30
    /// The name we greet with (EHLO).
    public var heloName = "localhost"

    public var description: String { "smtp \(security.rawValue) \(host):\(port)" + (username.map { " as \($0)" } ?? "") }

    public struct Invalid: Error, Sendable, Equatable {
        public let reason: String
    }

    public static func parse(_ text: String) throws(Invalid) -> SMTPConfiguration {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty
        else {
            throw Invalid(reason: "smtp://user:password@host:port or smtps://…")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        var security: Security = scheme == "smtps" ? .implicitTLS : .startTLSIfOffered
        switch query["starttls"]?.lowercased() {
        case nil: break
        case "required":
            guard scheme == "smtp" else { throw Invalid(reason: "starttls goes with smtp://") }
            security = .startTLSRequired
        case "off":
            guard scheme == "smtp" else { throw Invalid(reason: "starttls goes with smtp://") }
            security = .plain
        case "optional": break
        default: throw Invalid(reason: "starttls=required, optional or off")
        }
        var configuration = SMTPConfiguration(host: host, port: components.port ?? (scheme == "smtps" ? 465 : 587), security: security)
        configuration.username = components.user.flatMap { $0.removingPercentEncoding }
        configuration.password = components.password.flatMap { $0.removingPercentEncoding }
        configuration.caFile = query["ca_file"].flatMap { $0.isEmpty ? nil : $0 }
        if let timeout = query["timeout"] {
            guard let seconds = Int64(timeout), (1...600).contains(seconds) else { throw Invalid(reason: "timeout=1…600 seconds") }
            configuration.timeout = seconds
        }
        return configuration
    }

    public init(host: String, port: Int, security: Security) {
        self.host = host
        self.port = port
        self.security = security
    }
}

/// Delivers e-mail to an SMTP relay over SwiftNIO: plain, STARTTLS or implicit TLS (certificates
/// verified), AUTH PLAIN or LOGIN, a timeout on the connection and on every reply. One connection
/// per message: the outbox sends a few messages a minute, and a fresh connection never inherits
/// a half-failed one's state.
public struct SMTPChannel: EmailChannel {
    let configuration: SMTPConfiguration
    let group: any EventLoopGroup

    public init(configuration: SMTPConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    public func deliver(_ message: EmailMessage) async throws {
        let data = MIMEMessage.render(message)
        let connection: SMTPConnection
        do {
            connection = try await SMTPConnection.open(configuration, group: group)
        } catch let error as DeliveryError {
            throw error
        } catch {
            // Only delivery errors leave the channel: a TLS set-up failure is one, to retry later.
            throw DeliveryError("cannot talk to \(configuration.host):\(configuration.port): \(error)", isPermanent: false)
        }
        do {
            try await connection.send(from: message.from.address, to: message.to, data: data)
            await connection.quit()
        } catch {
            await connection.close()
            throw error
        }
    }
}

/// One SMTP reply: its code and text lines (a multi-line `250-` reply is one reply).
struct SMTPReply: Sendable {
    let code: Int
    let lines: [String]
    var isPositive: Bool { (200..<400).contains(code) }
}

/// Splits the byte stream into replies.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply
    private var lines: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 4096 { throw DeliveryError("the mail server sent a line too long", isPermanent: false) }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex + 1
        guard let raw = buffer.readString(length: length) else { return .needMoreData }
        // "\r\n" is one Character in Swift: trim by scalars.
        let line = String(String.UnicodeScalarView(raw.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }))
        guard line.count >= 3, let code = Int(line.prefix(3)), lines.count < 100 else {
            throw DeliveryError("the mail server's reply is not SMTP", isPermanent: false)
        }
        let separator = line.dropFirst(3).first
        lines.append(line.count > 4 ? String(line.dropFirst(4)) : "")
        if separator == "-" { return .continue }
        let reply = SMTPReply(code: code, lines: lines)
        lines = []
        context.fireChannelRead(wrapInboundOut(reply))
        return .continue
    }
}

/// Hands replies to whoever waits for the next one, in order.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPReply
    private var waiting: [EventLoopPromise<SMTPReply>] = []
    private var arrived: [SMTPReply] = []
    private var failure: (any Error)?

    func next(on loop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        if !arrived.isEmpty { return loop.makeSucceededFuture(arrived.removeFirst()) }
        if let failure { return loop.makeFailedFuture(failure) }
        let promise = loop.makePromise(of: SMTPReply.self)
        waiting.append(promise)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        if waiting.isEmpty { arrived.append(reply) } else { waiting.removeFirst().succeed(reply) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(DeliveryError("the mail server closed the connection", isPermanent: false))
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error) {
        if failure == nil { failure = error }
        let pending = waiting
        waiting = []
        for promise in pending { promise.fail(error) }
    }
}

/// A conversation with the relay, one command and reply at a time.
final class SMTPConnection: @unchecked Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<SMTPReplyHandler>
    let configuration: SMTPConfiguration

    private init(channel: any Channel, handler: NIOLoopBound<SMTPReplyHandler>, configuration: SMTPConfiguration) {
        self.channel = channel
        self.handler = handler
        self.configuration = configuration
    }

    static func tlsHandler(_ configuration: SMTPConfiguration) throws -> NIOSSLClientHandler {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let caFile = configuration.caFile { tls.trustRoots = .file(caFile) }
        let context = try NIOSSLContext(configuration: tls)
        // An address is checked against the certificate's IP names; a name is sent as SNI.
        let isAddress = configuration.host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
        return try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : configuration.host)
    }

    static func open(_ configuration: SMTPConfiguration, group: any EventLoopGroup) async throws -> SMTPConnection {
        let implicitTLS = configuration.security == .implicitTLS
        let tls = implicitTLS ? try tlsHandler(configuration) : nil
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.seconds(configuration.timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(tls) }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler())
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            throw DeliveryError("cannot connect to \(configuration.host):\(configuration.port): \(error)", isPermanent: false)
        }
        // A connection refused at once (a TLS handshake the certificate check failed) may already be
        // closed, its handlers gone: that is a failed delivery, not a crash.
        let handler: NIOLoopBound<SMTPReplyHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            try? await channel.close().get()
            throw DeliveryError("the mail server closed the connection while it was set up (TLS refused?)", isPermanent: false)
        }
        let connection = SMTPConnection(channel: channel, handler: handler, configuration: configuration)
        do {
            try await connection.handshake()
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// The next reply, or a timeout.
    func reply() async throws -> SMTPReply {
        let loop = channel.eventLoop
        let handler = self.handler
        let timeout = configuration.timeout
        let channel = self.channel
        let future = loop.flatSubmit { handler.value.next(on: loop) }
        let timer = loop.scheduleTask(in: .seconds(timeout)) {
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            return try await future.get()
        } catch let error as DeliveryError {
            throw error
        } catch {
            throw DeliveryError("no answer from the mail server: \(error)", isPermanent: false)
        }
    }

    /// Sends a command and checks that the reply has one of `expected` codes.
    @discardableResult
    func command(_ line: String, expect expected: Set<Int>, shown: String? = nil) async throws -> SMTPReply {
        try await write(line + "\r\n")
        let reply = try await reply()
        guard expected.contains(reply.code) else {
            let what = shown ?? line
            throw DeliveryError(
                "\(what): \(reply.code) \(reply.lines.joined(separator: " "))", isPermanent: (500..<600).contains(reply.code))
        }
        return reply
    }

    func write(_ text: String) async throws {
        var buffer = channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        do {
            try await channel.writeAndFlush(buffer).get()
        } catch {
            throw DeliveryError("lost the connection to the mail server: \(error)", isPermanent: false)
        }
    }

    private func handshake() async throws {
        let greeting = try await reply()
        guard greeting.code == 220 else {
            throw DeliveryError("the mail server refused the connection: \(greeting.code)", isPermanent: false)
        }
        var capabilities = try await ehlo()
        let offersTLS = capabilities.contains("STARTTLS")
        switch configuration.security {
        case .startTLSRequired where !offersTLS:
            throw DeliveryError("the mail server does not offer STARTTLS, which SMTP_URL requires", isPermanent: false)
        case .startTLSRequired,
            .startTLSIfOffered where offersTLS:
            try await command("STARTTLS", expect: [220])
            let tls = try Self.tlsHandler(configuration)
            let channel = self.channel
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            }.get()
            capabilities = try await ehlo()
        default:
            break
        }
        if let username = configuration.username {
            try await authenticate(username: username, password: configuration.password ?? "", capabilities: capabilities)
        }
    }

    /// EHLO, answering the server's capabilities (upper-cased keywords and arguments).
    private func ehlo() async throws -> Set<String> {
        let reply = try await command("EHLO \(configuration.heloName)", expect: [250])
        var capabilities = Set<String>()
        for line in reply.lines.dropFirst() {
            let words = line.uppercased().split(separator: " ").map(String.init)
            capabilities.formUnion(words.first.map { [$0] } ?? [])
            if words.first == "AUTH" { capabilities.formUnion(words.dropFirst().map { "AUTH=" + $0 }) }
        }
        return capabilities
    }

    private func authenticate(username: String, password: String, capabilities: Set<String>) async throws {
        if capabilities.contains("AUTH=PLAIN") || !capabilities.contains("AUTH=LOGIN") {
            let token = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
            try await command("AUTH PLAIN \(token)", expect: [235], shown: "AUTH PLAIN")
        } else {
            try await command("AUTH LOGIN", expect: [334])
            try await command(Data(username.utf8).base64EncodedString(), expect: [334], shown: "AUTH LOGIN user")
            try await command(Data(password.utf8).base64EncodedString(), expect: [235], shown: "AUTH LOGIN password")
        }
    }

    func send(from: String, to: String, data: String) async throws {
        try await command("MAIL FROM:<\(from)>", expect: [250])
        try await command("RCPT TO:<\(to)>", expect: [250, 251])
        try await command("DATA", expect: [354])
        // Dot-stuffing: a line that starts with "." gets another one.
        let stuffed = data.replacingOccurrences(of: "\r\n.", with: "\r\n..")
        try await command((stuffed.hasPrefix(".") ? "." : "") + stuffed + ".", expect: [250], shown: "end of DATA")
    }

    func quit() async {
        _ = try? await command("QUIT", expect: [221])
        await close()
    }

    func close() async {
        try? await channel.close().get()
    }
}
