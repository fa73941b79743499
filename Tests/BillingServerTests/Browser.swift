import BillingDomain
import BillingEngine
import BillingServer
import BillingTestSupport
import Foundation
import NIOCore
import Testing
import Vapor
import VaporTesting

/// A minimal browser over Vapor's in-memory tester: keeps cookies like a browser does and sends
/// forms with the CSRF token of the last page it saw, so tests walk through pages as a person would.
final class Browser {
    let app: Application
    var cookies: [String: String] = [:]
    var headers: HTTPHeaders = [:]
    private(set) var lastCSRF: String?
    /// The one-time key of each form on the last page, by the form's action.
    private(set) var lastFormKeys: [String: String] = [:]

    init(_ app: Application) { self.app = app }

    @discardableResult
    func get(_ path: String) async throws -> TestingHTTPResponse {
        try await send(.GET, path, body: nil, contentType: nil)
    }

    /// Submits a form; `_csrf` comes from the last page unless `csrf` says otherwise (nil: send none).
    /// The one-time key `_once` is the one of the last page's form with that action, as a browser
    /// would send it, or a fresh one when the last page had no such form; `once: false` sends none.
    @discardableResult
    func post(_ path: String, form: [String: String], csrf: String?? = .none, once: Bool = true) async throws -> TestingHTTPResponse {
        var fields = form
        if once, fields["_once"] == nil {
            fields["_once"] = lastFormKeys[path.split(separator: "?").first.map(String.init) ?? path] ?? UUID().uuidString.lowercased()
        }
        switch csrf {
        case .none: if let token = lastCSRF { fields["_csrf"] = token }
        case .some(.some(let token)): fields["_csrf"] = token
        case .some(.none): break
        }
        let body = fields.map { key, value in
            "\(key.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        }.joined(separator: "&")
        return try await send(.POST, path, body: body, contentType: "application/x-www-form-urlencoded")
    }

    /// A new staff member with `role`, logged in to the staff area in a browser of their own.
    static func staff(_ app: Application, role: StaffRole = .administrator) async throws -> Browser {
        let email = "\(role.rawValue)@provider.example"
        try await StaffAccounts(context: app.engine).create(
            email: email, name: "Olga \(role.rawValue)", password: "staff password 1", role: role)
        let browser = Browser(app)
        try await browser.get("/admin/login")
        let login = try await browser.post("/admin/login", form: ["email": email, "password": "staff password 1"])
        #expect(login.location == "/admin")
        return browser
    }

    /// Opens the client login page and logs in, as a person would.
    @discardableResult
    func logIn(_ email: String = "anna@example.com", password: String = "correct horse battery") async throws -> TestingHTTPResponse {
        try await get("/login")
        return try await post("/login", form: ["email": email, "password": password])
    }

    /// Submits a form with one file (`multipart/form-data`, as a browser's file input sends it),
    /// with the last page's `_csrf` and the form's `_once`.
    @discardableResult
    func upload(_ path: String, field: String, filename: String, contentType: String, data: Data) async throws -> TestingHTTPResponse {
        let boundary = "----BillingTestBoundary" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        var body = Data()
        func text(_ name: String, _ value: String) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        if let token = lastCSRF { text("_csrf", token) }
        text("_once", lastFormKeys[path] ?? UUID().uuidString.lowercased())
        body.append(
            Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n"
                    .utf8))
        body.append(data)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return try await send(.POST, path, bytes: ByteBuffer(data: body), contentType: "multipart/form-data; boundary=\(boundary)")
    }

    func send(
        _ method: HTTPMethod, _ path: String, body: String?, contentType: String?,
        extraHeaders: HTTPHeaders = [:]
    ) async throws -> TestingHTTPResponse {
        try await send(method, path, bytes: body.map { ByteBuffer(string: $0) }, contentType: contentType, extraHeaders: extraHeaders)
    }

    func send(
        _ method: HTTPMethod, _ path: String, bytes: ByteBuffer?, contentType: String?,
        extraHeaders: HTTPHeaders = [:]
    ) async throws -> TestingHTTPResponse {
        var requestHeaders = headers
        for (name, value) in extraHeaders { requestHeaders.replaceOrAdd(name: name, value: value) }
        if !cookies.isEmpty {
            requestHeaders.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        if let contentType { requestHeaders.replaceOrAdd(name: .contentType, value: contentType) }
        let response = try await app.testing().sendRequest(
            method, path, headers: requestHeaders, body: bytes)
        for header in response.headers[.setCookie] {
            let pair = header.split(separator: ";").first.map(String.init) ?? ""
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals]).trimmingCharacters(in: .whitespaces)
            let value = String(pair[pair.index(after: equals)...])
            if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        if let token = Self.csrfToken(in: response.body.string) { lastCSRF = token }
        // A page's forms replace the keys; a redirect moves on to a page whose forms have new ones.
        if response.headers.contentType == .html {
            lastFormKeys = Self.formKeys(in: response.body.string)
        } else if (300..<400).contains(response.status.code) {
            lastFormKeys = [:]
        }
        // A login gives the browser a new CSRF seed; a person's browser then opens the next page,
        // whose forms carry the new token. Do the same, keeping the login's own answer.
        if response.headers[.setCookie].contains(where: { $0.hasPrefix("csrf_seed=") }),
            let location = response.headers.first(name: .location),
            location.hasPrefix("/")
        {
            _ = try await get(location)
        }
        return response
    }

    /// `action` → `_once` of every form in a page.
    static func formKeys(in html: String) -> [String: String] {
        var keys: [String: String] = [:]
        for form in html.components(separatedBy: "<form").dropFirst() {
            guard let action = form.range(of: #"action=""#), let once = form.range(of: #"name="_once" value=""#) else { continue }
            let path = String(form[action.upperBound...].prefix { $0 != "\"" })
            keys[path] = String(form[once.upperBound...].prefix { $0 != "\"" })
        }
        return keys
    }

    static func csrfToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="_csrf" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}

extension TestingHTTPResponse {
    var text: String { body.string }
    var location: String? { headers.first(name: .location) }

    /// The text a reader sees in the element marked `data-testid="id"` (tags dropped, entities
    /// and runs of white space read as a browser shows them); `nil` when there is no such element.
    func testID(_ id: String) -> String? { PageText.testID(id, in: text) }

    /// Every element marked `data-testid="id"`, in page order.
    func testIDs(_ id: String) -> [String] { PageText.testIDs(id, in: text) }
}

/// Reads pages the way a test should: by the `data-testid` of what a user looks at, never by a
/// string that could appear anywhere on the page.
enum PageText {
    static func testID(_ id: String, in html: String) -> String? { testIDs(id, in: html).first }

    static func testIDs(_ id: String, in html: String) -> [String] {
        var found: [String] = []
        var rest = html[...]
        let marker = "data-testid=\"\(id)\""
        while let hit = rest.range(of: marker) {
            guard let open = rest[..<hit.lowerBound].range(of: "<", options: .backwards),
                let end = rest[hit.upperBound...].firstIndex(of: ">")
            else { break }
            let tag = String(rest[rest.index(after: open.lowerBound)...].prefix { $0.isLetter || $0.isNumber })
            let startTag = rest[open.lowerBound...end]
            var inner = ""
            if !startTag.hasSuffix("/>"), !["input", "img", "br", "meta"].contains(tag) {
                // Walk to the closing tag of the same name, counting nested ones.
                var depth = 1
                var cursor = rest.index(after: end)
                while depth > 0, let next = rest[cursor...].range(of: "<") {
                    let after = rest[next.upperBound...]
                    if after.hasPrefix("/" + tag) {
                        depth -= 1
                        if depth == 0 {
                            inner = String(rest[rest.index(after: end)..<next.lowerBound])
                            cursor = next.upperBound
                            break
                        }
                    } else if after.hasPrefix(tag), let c = after.dropFirst(tag.count).first, c == " " || c == ">" {
                        depth += 1
                    }
                    cursor = next.upperBound
                }
            } else if let value = startTag.range(of: "value=\"") {
                inner = String(startTag[value.upperBound...].prefix { $0 != "\"" })
            }
            found.append(readable(inner))
            rest = rest[hit.upperBound...]
        }
        return found
    }

    /// Drops tags, reads the entities the views write, and folds white space.
    static func readable(_ html: String) -> String {
        var text = ""
        var inTag = false
        for character in html {
            if character == "<" {
                inTag = true
                text.append(" ")
                continue
            }
            if character == ">" {
                inTag = false
                continue
            }
            if !inTag { text.append(character) }
        }
        for (entity, character) in [("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", "\u{00A0}")]
        {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }
}
