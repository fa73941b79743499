import BillingDomain
import OpenAPIRuntime
import Vapor

/// Errors a page handler throws on purpose; each has a text in every language.
enum PageError: Error {
    case notFound
    case forbidden
    case csrf
    case loginRequired
    case badRequest(messageKey: String)
    /// The same form is still being processed (a repeat waited for it and gave up).
    case stillRunning
}

/// Turns every error into a page in the user's language (or a JSON error under `/api`), with the
/// right status, and never shows internals: unexpected errors are logged and shown as "something
/// went wrong".
struct PageErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            if request.url.path.hasPrefix("/api/"), case APIFailure.refused(let status, let code, let message) = Self.unwrapped(error) {
                return APIError.response(status: status, code: code, message: message)
            }
            let (status, key) = classify(error, request: request)
            if request.url.path.hasPrefix("/api/") {
                return APIError.response(
                    status: status, code: APIError.code(for: status),
                    message: request.texts.text(key, request.language))
            }
            if case PageError.loginRequired = error {
                return request.redirect(to: request.url.path.hasPrefix("/admin") ? "/admin/login" : "/login")
            }
            return try await ErrorPage(status: status, messageKey: key).render(for: request)
        }
    }

    private static func unwrapped(_ error: any Error) -> any Error {
        (error as? ServerError).map { unwrapped($0.underlyingError) } ?? error
    }

    private func classify(_ error: any Error, request: Request) -> (HTTPStatus, String) {
        switch error {
        case let wrapped as ServerError:
            // The generated API code refuses a malformed request (a missing header, a body that is
            // not the schema) with a 4xx of its own; that is the client's mistake, not ours.
            if (400..<500).contains(wrapped.httpStatus.code), !(wrapped.underlyingError is APIFailure) {
                return (HTTPStatus(statusCode: wrapped.httpStatus.code), "error.bad_request")
            }
            return classify(wrapped.underlyingError, request: request)
        case APIFailure.unauthorized: return (.unauthorized, "error.api.unauthorized")
        case APIFailure.notFound: return (.notFound, "error.not_found")
        case PageError.notFound: return (.notFound, "error.not_found")
        case PageError.forbidden: return (.forbidden, "error.forbidden")
        case PageError.csrf: return (.forbidden, "error.csrf")
        case PageError.loginRequired: return (.unauthorized, "error.login_required")
        case PageError.badRequest(let key): return (.badRequest, key)
        case PageError.stillRunning: return (.conflict, "error.form.still_running")
        case let abort as any AbortError:
            switch abort.status {
            case .notFound: return (.notFound, "error.not_found")
            case .forbidden: return (.forbidden, "error.forbidden")
            case .unauthorized: return (.unauthorized, "error.login_required")
            case .payloadTooLarge: return (.payloadTooLarge, "error.too_large")
            case .methodNotAllowed: return (.methodNotAllowed, "error.not_found")
            case .unsupportedMediaType, .badRequest, .unprocessableEntity: return (.badRequest, "error.bad_request")
            default:
                if abort.status.code < 500 { return (abort.status, "error.bad_request") }
                request.logger.error("request failed: \(abort.reason)")
                return (abort.status, "error.internal")
            }
        case is DecodingError:
            return (.badRequest, "error.bad_request")
        default:
            request.logger.error("request failed: \(String(reflecting: error))")
            return (.internalServerError, "error.internal")
        }
    }
}
