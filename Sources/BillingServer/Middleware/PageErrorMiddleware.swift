import BillingDomain
import HTTPTypes
import OpenAPIRuntime
import Vapor

/// Errors a page handler throws on purpose; each has a text in every language.
enum PageError: Refusal {
    case notFound
    case forbidden
    case csrf
    case loginRequired
    case badRequest(messageKey: String)
    /// The same form is still being processed (a repeat waited for it and gave up).
    case stillRunning

    var code: String {
        switch self {
        case .notFound: "not_found"
        case .forbidden, .csrf: "forbidden"
        case .loginRequired: "unauthorized"
        case .badRequest: "invalid_request"
        case .stillRunning: "still_running"
        }
    }

    var status: RefusalStatus {
        switch self {
        case .notFound: .notFound
        case .forbidden, .csrf: .forbidden
        case .loginRequired: .unauthorized
        case .badRequest: .badRequest
        case .stillRunning: .conflict
        }
    }

    var textKey: String {
        switch self {
        case .notFound: "error.not_found"
        case .forbidden: "error.forbidden"
        case .csrf: "error.csrf"
        case .loginRequired: "error.login_required"
        case .badRequest(let key): key
        case .stillRunning: "error.form.still_running"
        }
    }
}

extension Request {
    /// Whether errors are answered as the API's JSON: set by the API's route group; a request no
    /// route took (an unknown `/api/…` path) is judged by its path.
    var answersInJSON: Bool {
        get { storage[AnswersInJSONKey.self] ?? url.path.hasPrefix("/api/") }
        set { storage[AnswersInJSONKey.self] = newValue }
    }

    private struct AnswersInJSONKey: StorageKey { typealias Value = Bool }
}

/// The one place an error becomes an answer. A `Refusal` (every error a use case throws on
/// purpose) is shown with its status and its text in the user's language: as a page, or as the
/// API's JSON error for the API's routes. Anything else is a 500 that shows no detail: the log
/// gets the error with the request id, the page names that id for support.
struct PageErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            if request.answersInJSON, request.route == nil, let abort = error as? any AbortError, abort.status == .notFound {
                // A known API path asked with a method it does not have: 405 and the methods it
                // does have (RFC 9110), not "no such path".
                let allowed = Self.methods(of: request.url.path, in: request.application.routes)
                if !allowed.isEmpty {
                    let response = APIError.response(
                        status: .methodNotAllowed, code: "method_not_allowed",
                        message: PageContext(request).t("error.method_not_allowed"))
                    response.headers.replaceOrAdd(name: .allow, value: allowed.joined(separator: ", "))
                    return response
                }
            }
            guard let refusal = Self.refusal(for: error) else {
                let reference = request.id
                request.logger.error("request failed: \(String(reflecting: error))")
                if request.answersInJSON {
                    let page = PageContext(request)
                    return APIError.response(
                        status: .internalServerError, code: "internal_error",
                        message: page.t("error.internal") + " " + page.t("error.reference", ["id": reference]))
                }
                return try await ErrorPage(status: .internalServerError, message: nil, reference: reference).render(for: request)
            }
            if request.answersInJSON {
                return APIError.response(
                    status: HTTPStatus(refusal.status), code: refusal.code, message: PageContext(request).message(refusal))
            }
            if case PageError.loginRequired = refusal {
                return request.redirect(
                    to: request.url.path.hasPrefix(SiteURL.staff(.clients).path) ? SiteURL.staff(.login).path : SiteURL.login.path)
            }
            return try await ErrorPage(status: HTTPStatus(refusal.status), message: refusal).render(for: request)
        }
    }

    /// The methods the routes answer on `path` (parameters match any segment), sorted.
    static func methods(of path: String, in routes: Routes) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        func matches(_ components: [PathComponent]) -> Bool {
            if components.last == .catchall { return segments.count >= components.count - 1 }
            guard components.count == segments.count else { return false }
            return zip(components, segments).allSatisfy { component, segment in
                switch component {
                case .constant(let constant): constant == segment
                case .parameter, .anything: true
                case .catchall: true
                }
            }
        }
        return Set(routes.all.filter { matches($0.path) }.map(\.method.rawValue)).sorted()
    }

    /// What the user is told, or `nil` for a failure of ours.
    static func refusal(for error: any Error) -> (any Refusal)? {
        switch error {
        case let refusal as any Refusal: return refusal
        case let wrapped as ServerError:
            // The generated API code refuses a malformed request (a missing header, a body that is
            // not the schema) with a 4xx of its own; that is the client's mistake, not ours.
            if let refusal = wrapped.underlyingError as? any Refusal { return refusal }
            if (400..<500).contains(wrapped.httpStatus.code) {
                let status = RefusalStatus(rawValue: wrapped.httpStatus.code)
                return PlainRefusal(APIError.code(for: HTTPStatus(status)), status: status, key: "error.bad_request")
            }
            return refusal(for: wrapped.underlyingError)
        case let abort as any AbortError:
            let plain: (HTTPStatus, String)
            switch abort.status {
            case .notFound: plain = (.notFound, "error.not_found")
            case .methodNotAllowed: plain = (.methodNotAllowed, "error.not_found")
            case .forbidden: plain = (.forbidden, "error.forbidden")
            case .unauthorized: plain = (.unauthorized, "error.login_required")
            case .payloadTooLarge: plain = (.payloadTooLarge, "error.too_large")
            case .unsupportedMediaType, .badRequest, .unprocessableEntity: plain = (.badRequest, "error.bad_request")
            default:
                guard abort.status.code < 500 else { return nil }
                plain = (abort.status, "error.bad_request")
            }
            return PlainRefusal(APIError.code(for: plain.0), status: RefusalStatus(rawValue: Int(plain.0.code)), key: plain.1)
        case is DecodingError:
            return PlainRefusal.badRequest
        default:
            return nil
        }
    }
}
