import BillingDomain
import BillingEngine
import NIOFoundationCompat
import Payments
import Vapor

/// `POST /webhooks/:gateway`: gateways report payments here. A verified event answers 200 (also
/// for a repeat, so the gateway stops retrying); an unverifiable one 400; our own failure 500,
/// which makes the gateway deliver again later.
struct WebhookController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.on(.POST, "webhooks", ":gateway", body: .collect(maxSize: "256kb"), use: receive)
    }

    func receive(req: Request) async throws -> Response {
        guard let gateway = req.parameters.get("gateway") else { throw Abort(.notFound) }
        let body = req.body.data.map { Data(buffer: $0) } ?? Data()
        var headers: [String: String] = [:]
        for (name, value) in req.headers { headers[name] = value }
        do {
            let outcome = try await GatewayWebhooks(context: req.engine).receive(
                gateway: gateway, body: body, headers: headers)
            return try Self.json(.ok, ["received": "true", "outcome": outcome.rawValue])
        } catch WebhookRoutingError.unknownGateway {
            return try Self.json(.notFound, ["error": "unknown gateway"])
        } catch let rejection as WebhookRejection {
            return try Self.json(.badRequest, ["error": "\(rejection)"])
        }
    }

    static func json(_ status: HTTPStatus, _ body: [String: String]) throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(data: try JSONEncoder().encode(body)))
    }
}

/// The sandbox gateway's own pages (`/sandbox-gateway/pay/:session`): what a payer sees on a
/// card gateway. Paying or failing sends the signed webhook to `/webhooks/sandbox` through the
/// application's router, exactly as the gateway's servers would, then returns the payer.
struct SandboxGatewayController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("sandbox-gateway", "pay", ":session", use: page)
        routes.post("sandbox-gateway", "pay", ":session", use: act)
    }

    private func gateway(_ req: Request) throws -> SandboxGateway {
        guard let gateway = req.engine.gateways.driver("sandbox") as? SandboxGateway else { throw PageError.notFound }
        return gateway
    }

    private func session(_ req: Request) throws -> (SandboxGateway, SandboxGateway.Session, String) {
        let gateway = try gateway(req)
        guard let token = req.parameters.get("session"), let session = gateway.session(fromToken: token) else { throw PageError.notFound }
        return (gateway, session, token)
    }

    func page(req: Request) async throws -> Response {
        let (_, session, token) = try session(req)
        return GatewayPages.sandbox(PageContext(req), session: session, token: token, error: nil).response()
    }

    func act(req: Request) async throws -> Response {
        struct Form: Content {
            var action: String?
            var card: String?
        }
        let (gateway, session, token) = try session(req)
        let form = try req.content.decode(Form.self)
        let outcome: SandboxGateway.Outcome
        switch form.action {
        case "pay":
            let digits = (form.card ?? "").filter(\.isNumber)
            guard digits.count >= 12, digits.count <= 19 else {
                let page = PageContext(req)
                return GatewayPages.sandbox(page, session: session, token: token, error: page.t("sandbox.card_invalid"))
                    .response(status: .unprocessableEntity)
            }
            outcome = .pay(cardNumber: digits)
        case "fail": outcome = .fail
        default: return req.redirect(to: session.cancelURL)
        }
        let (body, signature) = gateway.webhook(for: session, outcome: outcome, at: req.engine.clock.now)
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.add(name: "Sandbox-Signature", value: signature)
        let status = try await SandboxGateway.deliver { attempt in
            let delivery = Request(
                application: req.application, method: .POST, url: URI(path: "/webhooks/sandbox"), headers: headers,
                collectedBody: ByteBuffer(data: body), remoteAddress: nil, logger: req.logger, on: req.eventLoop)
            let status = (try? await req.application.responder.respond(to: delivery).get())?.status.code
            if status.map({ $0 >= 500 }) ?? true {
                req.logger.error(
                    "sandbox webhook delivery failed",
                    metadata: [
                        "attempt": .stringConvertible(attempt),
                        "status": .stringConvertible(status ?? 0)
                    ])
            }
            return status
        }
        if let status, status != 200 {
            req.logger.error("sandbox webhook was not accepted", metadata: ["status": .stringConvertible(status)])
        }
        return req.redirect(to: session.returnURL)
    }
}

/// `/pay/:token`: an invoice paid through a signed link, without logging in (FIN-4). It shows
/// that one invoice (number, amount, status) and nothing of the account behind it.
struct PayLinkController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.payLink(.key), use: show)
        routes.post(SiteURL.payLink(.key), use: pay)
    }

    private func payment(_ req: Request) async throws -> (Payment, String) {
        guard let token = req.parameters.get("token"),
            let id = PayLink.paymentID(from: token, key: req.billing.signingKey, now: req.engine.clock.now),
            let payment = try await PaymentFlow(context: req.engine).payment(id)
        else { throw PageError.notFound }
        return (payment, token)
    }

    func show(req: Request) async throws -> Response {
        let (payment, token) = try await payment(req)
        return try await render(req, payment: payment, token: token, error: nil, status: .ok)
    }

    /// The invoice of the link; for a bank transfer, the seller's bank details and the payment
    /// reference too, which is all a bookkeeper paying by transfer needs (and no more of the
    /// account than the reference's client code).
    private func render(_ req: Request, payment: Payment, token: String, error: String?, status: HTTPStatus) async throws -> Response {
        let method = try await PaymentFlow(context: req.engine).details(of: payment).method
        var transfer: (seller: SellerDetails, clientCode: Int)?
        if method?.kind == .bankTransfer, payment.status.isUnpaid,
            let summary = try await AccountSummary.load(accountID: payment.accountID, context: req.engine)
        {
            transfer = (try await SellerDetails.load(context: req.engine), summary.account.clientCode)
        }
        return GatewayPages.payLink(PageContext(req), payment: payment, method: method, token: token, transfer: transfer, error: error)
            .response(status: status)
    }

    func pay(req: Request) async throws -> Response {
        let (payment, token) = try await payment(req)
        let link = req.engine.provider.baseURL + SiteURL.payLink(.value(token)).path
        do {
            guard
                let url = try await PaymentFlow(context: req.engine).start(
                    paymentID: payment.id, returnURL: link, cancelURL: link,
                    byAccountUser: false)
            else {
                return req.redirect(to: SiteURL.payLink(.value(token)).path)
            }
            return req.redirect(to: url)
        } catch let error as PaymentError {
            return try await render(
                req, payment: payment, token: token, error: PageContext(req).message(error), status: .unprocessableEntity)
        }
    }
}
