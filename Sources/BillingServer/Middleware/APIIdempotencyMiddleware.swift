import BillingDomain
import BillingEngine
import Vapor

/// `Idempotency-Key` on the API's state-changing requests: the first request with a key runs and
/// its answer is kept for a day; a repeat gets that answer again (with `Idempotent-Replayed:
/// true`) without running; the key on another request is refused (422); a repeat while the
/// first still runs gets 409. Server errors and refusals thrown before an answer are not kept:
/// nothing changed, so the same key may be sent again.
struct APIIdempotencyMiddleware: AsyncMiddleware {
    static let header = "Idempotency-Key"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard [.POST, .PUT, .PATCH, .DELETE].contains(request.method), let key = request.headers.first(name: Self.header),
            let scope = APIRequestContext.scope
        else {
            return try await next.respond(to: request)
        }
        guard (1...255).contains(key.count), key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x21 && $0.value < 0x7F }) else {
            throw PlainRefusal("invalid_idempotency_key", status: .badRequest, key: "error.api.idempotency_key")
        }
        if request.body.data == nil { _ = try await request.body.collect(max: 1 << 20).get() }
        let body = request.body.data.map { String(buffer: $0) } ?? ""
        let hash = APIIdempotency.requestHash(method: request.method.rawValue, path: request.url.string, body: body)
        let keys = APIIdempotency(context: request.engine)
        switch try await keys.claim(scope: scope, key: key, requestHash: hash) {
        case .replay(let status, let contentType, let stored):
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .contentType, value: contentType)
            headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
            return Response(status: HTTPResponseStatus(statusCode: status), headers: headers, body: .init(string: stored))
        case .mismatch:
            throw PlainRefusal("idempotency_key_reused", key: "error.api.idempotency_reused")
        case .inProgress:
            throw PlainRefusal("idempotency_in_progress", status: .conflict, key: "error.api.idempotency_in_progress")
        case .first(let id):
            let response: Response
            do {
                response = try await next.respond(to: request)
            } catch {
                try? await keys.release(id)
                throw error
            }
            guard response.status.code < 500 else {
                try? await keys.release(id)
                return response
            }
            let buffer = try await response.body.collect(on: request.eventLoop).get()
            let text = buffer.map { String(buffer: $0) } ?? ""
            // The stream was read to be kept; the answer goes out from the copy.
            response.body = .init(string: text)
            try await keys.complete(
                id, status: Int(response.status.code),
                contentType: response.headers.first(name: .contentType) ?? "application/json", body: text)
            return response
        }
    }
}
