import BillingAPI
import BillingDomain
import BillingEngine
import Foundation
import HTTPTypes
import OpenAPIRuntime
import OpenAPIVapor
import Vapor

/// The per-request values the generated API handlers need but their signatures do not carry.
enum APIRequestContext {
    @TaskLocal static var request: Request?
    @TaskLocal static var bearer: APITokens.Bearer?
    @TaskLocal static var staffBearer: APITokens.StaffBearer?

    /// Who the idempotency keys of this request belong to.
    static var scope: String? {
        if let bearer { return "user:" + bearer.userID.uuidString.lowercased() }
        if let staffBearer { return "staff:" + staffBearer.staffID.uuidString.lowercased() }
        return nil
    }
}

/// Resolves the bearer token (if any), client or staff, lets the request through only if the
/// caller passes the operation's entry of the rights table (`APIAccess`: a token has the rights
/// its scopes and its user have in common), and puts the request in the task-local context. Placed right before the generated routes (only the idempotency middleware, which runs
/// in the same task, sits between), as swift-openapi-vapor advises for task locals.
struct APIContextMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        request.answersInJSON = true
        var bearer: APITokens.Bearer?
        var staffBearer: APITokens.StaffBearer?
        if let authorization = request.headers.bearerAuthorization {
            let tokens = APITokens(context: request.engine)
            if authorization.token.hasPrefix(APITokens.staffPrefix) {
                staffBearer = try await tokens.authenticateStaff(authorization.token)
                if staffBearer == nil { throw PlainRefusal.unauthorized }
            } else {
                bearer = try await tokens.authenticate(authorization.token, ip: request.clientIP)
                if bearer == nil { throw PlainRefusal.unauthorized }
            }
        }
        // The operation's entry in the rights table; one missing from it is refused to everyone.
        guard let route = request.route, let access = APIAccess.operations[APIAccess.key(route)] else { throw PlainRefusal.forbidden }
        switch access {
        case .anyone: break
        case .signedInClient, .client: if bearer == nil { throw PlainRefusal.unauthorized }
        case .signedInStaff, .staff: if staffBearer == nil { throw PlainRefusal.unauthorized }
        }
        guard access.admits(bearer?.caller ?? staffBearer?.caller) else { throw PlainRefusal.forbidden }
        let response = try await APIRequestContext.$request.withValue(request) {
            try await APIRequestContext.$bearer.withValue(bearer) {
                try await APIRequestContext.$staffBearer.withValue(staffBearer) {
                    try await next.respond(to: request)
                }
            }
        }
        // A staff call that changed something goes into the audit log, like the staff forms.
        if let staffBearer, request.method != .GET, response.status.code < 400 {
            let parameters = route.path.compactMap { component -> String? in
                guard case .parameter(let name) = component, let value = request.parameters.get(name) else { return nil }
                return name + "=" + value
            }
            try await AuditLog(context: request.engine).record(
                staffID: staffBearer.staffID, staffName: staffBearer.name, ip: request.clientIP,
                action: "api " + APIAccess.key(route),
                target: parameters.isEmpty ? nil : parameters.joined(separator: " "), details: "")
        }
        return response
    }
}

/// The one way API lists read `page` and `per_page`: out-of-range values are a 400, never a
/// silently different page (and never an overflow).
enum APIPaging {
    static func page(_ number: Int?, _ size: Int?, _ req: Request) throws -> PageRequest {
        guard let page = PageRequest.api(number: number, size: size) else {
            throw PlainRefusal(
                "invalid_page", status: .badRequest, key: "error.api.invalid_page",
                arguments: ["pages": .number(PageRequest.maximumNumber), "size": .number(PageRequest.maximumSize)])
        }
        return page
    }
}

/// The JSON error body and the codes used in it.
enum APIError {
    static func code(for status: HTTPStatus) -> String {
        switch status {
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .notFound: "not_found"
        case .tooManyRequests: "too_many_requests"
        case .badRequest, .unprocessableEntity: "invalid_request"
        case .payloadTooLarge: "too_large"
        default: status.code >= 500 ? "internal_error" : "invalid_request"
        }
    }

    static func response(status: HTTPStatus, code: String, message: String) -> Response {
        struct Body: Encodable {
            struct Inner: Encodable {
                let code: String
                let message: String
            }
            let error: Inner
        }
        var headers = HTTPHeaders()
        headers.contentType = .json
        if status == .unauthorized { headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
        let data = (try? JSONEncoder().encode(Body(error: .init(code: code, message: message)))) ?? Data()
        return Response(status: status, headers: headers, body: .init(data: data))
    }
}

/// The API's routes: the generated handlers, `/api/openapi.yaml`, and JSON errors for all of them.
enum APIRoutes {
    static func register(on app: Application) throws {
        app.get(SiteURL.apiReference.routeComponents) { _ -> Response in
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(type: "application", subType: "yaml", parameters: ["charset": "utf-8"])
            return Response(status: .ok, headers: headers, body: .init(string: BillingAPISpec.yaml))
        }
        let transport = VaporTransport(routesBuilder: app.grouped(APIContextMiddleware(), APIIdempotencyMiddleware()))
        try BillingAPIHandlers().registerHandlers(
            on: transport, serverURL: URL(string: "/api")!, middlewares: [AbsentBodyMiddleware()])
    }
}

/// A request that sends no content type and no bytes has no body. The transport hands the
/// generated code an empty body instead, which an optional JSON body (the bank confirmation's
/// statement figures) then fails to decode; documented as optional, it must be absent.
struct AbsentBodyMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPTypes.HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPTypes.HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPTypes.HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPTypes.HTTPResponse, HTTPBody?) {
        guard request.headerFields[.contentType] == nil, let body, case .known(0) = body.length else {
            return try await next(request, body, metadata)
        }
        return try await next(request, nil, metadata)
    }
}

/// The implementation of `openapi.yaml`: thin, each operation a call into the engine.
struct BillingAPIHandlers: APIProtocol {
    var request: Request {
        get throws {
            guard let request = APIRequestContext.request else { throw PlainRefusal.unauthorized }
            return request
        }
    }

    var bearer: APITokens.Bearer {
        get throws {
            guard let bearer = APIRequestContext.bearer else { throw PlainRefusal.unauthorized }
            return bearer
        }
    }

    func createToken(_ input: Operations.CreateToken.Input) async throws -> Operations.CreateToken.Output {
        let req = try request
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        return .created(
            .init(
                body: .json(
                    try await Self.issued(req) {
                        try await APITokens(context: req.engine).issue(
                            email: body.email, password: body.password, code: body.code, name: body.name, scopes: body.scopes,
                            ip: req.clientIP)
                    })))
    }

    /// A token issued for e-mail and password (client or staff); a refused login (`LoginError`)
    /// is a 401, too many failures a 429, in the caller's language.
    static func issued(_ req: Request, _ issue: () async throws -> APITokens.Issued) async throws -> Components.Schemas.IssuedToken {
        let issued = try await issue()
        return .init(
            id: issued.id.uuidString.lowercased(), token: issued.token, name: issued.name, scopes: issued.scopes,
            expiresAt: issued.expiresAt)
    }

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let req = try request
        let bearer = try bearer
        let summary = try await AccountSummary.load(account: bearer.account, context: req.engine)
        let user = bearer.person
        let account = summary.account
        return .ok(
            .init(
                body: .json(
                    .init(
                        user: .init(
                            id: user.id.uuidString.lowercased(), email: user.email, name: user.name, isOwner: user.isOwner,
                            language: .init(rawValue: (user.language ?? .en).rawValue) ?? .en),
                        account: .init(
                            id: account.id.uuidString.lowercased(), clientCode: account.clientCode, name: account.name,
                            country: account.country, currency: account.currency.code, registeredOn: account.registeredOn?.iso ?? "",
                            status: .init(rawValue: account.status.rawValue) ?? .active),
                        balance: Self.amount(summary.balance),
                        debt: Self.amount(summary.debt)))))
    }

    func listLedger(_ input: Operations.ListLedger.Input) async throws -> Operations.ListLedger.Output {
        let req = try request
        let bearer = try bearer
        let page = try APIPaging.page(input.query.page, input.query.perPage, req)
        let movements = try await req.engine.ledger.movements(of: bearer.accountID, page: page)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: movements.items.map(Self.movement), page: page.number, perPage: page.size,
                        total: movements.total))))
    }

    func getLedgerTransaction(_ input: Operations.GetLedgerTransaction.Input) async throws -> Operations.GetLedgerTransaction.Output {
        let req = try request
        let bearer = try bearer
        guard let id = UUID(uuidString: input.path.transactionId),
            let movement = try await req.engine.ledger.movement(transactionID: id, of: bearer.accountID)
        else {
            throw PageError.notFound
        }
        return .ok(.init(body: .json(Self.movement(movement))))
    }

    static func amount(_ money: Money) -> Components.Schemas.Amount {
        .init(amount: MoneyFormat.plain(money), currency: money.currency.code)
    }

    static func movement(_ movement: Ledger.Movement) -> Components.Schemas.LedgerMovement {
        .init(
            transactionId: movement.transactionID.uuidString.lowercased(), date: movement.date,
            kind: .init(rawValue: movement.kind.rawValue) ?? .staffAdjustment, memo: movement.memo, amount: amount(movement.amount))
    }
}
