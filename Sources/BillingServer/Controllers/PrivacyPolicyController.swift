import BillingDomain
import BillingEngine
import Vapor

/// The privacy policy (ACC-7): the public page with the current version and the earlier ones,
/// and the staff page that publishes a new version.
struct PrivacyPolicyController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.privacyPolicy, use: current)
        routes.get(SiteURL.privacyPolicyVersion(.key), use: version)
    }

    func current(req: Request) async throws -> Response {
        let page = PageContext(req)
        let policy = PrivacyPolicy(context: req.engine)
        let versions = try await policy.versions(in: page.language)
        return PolicyPages.policy(page, shown: versions.first, versions: versions).response()
    }

    func version(req: Request) async throws -> Response {
        guard let number = req.parameters.get("version").flatMap(Int.init), number > 0 else { throw PageError.notFound }
        let page = PageContext(req)
        let policy = PrivacyPolicy(context: req.engine)
        let shown: PrivacyPolicyVersion
        do { shown = try await policy.version(number, in: page.language) } catch PrivacyPolicyError.notFound { throw PageError.notFound }
        return PolicyPages.policy(page, shown: shown, versions: try await policy.versions(in: page.language)).response()
    }
}

/// The staff half: the versions and the form for the next one.
struct StaffPrivacyPolicyController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.staff(.privacyPolicy)) { req in try await page(req) }
        routes.post(SiteURL.staff(.privacyPolicy), use: publish)
    }

    private func page(_ req: Request, error: (any Refusal)? = nil, typed: [Language: String] = [:], summary: String = "") async throws
        -> Response
    {
        let page = PageContext(req)
        let policy = PrivacyPolicy(context: req.engine)
        var drafts: [Language: String] = typed
        if typed.isEmpty {
            // The form starts from the current texts: a new version is usually an edit of the last.
            for language in Language.allCases {
                if let current = try await policy.current(in: language), current.inRequestedLanguage { drafts[language] = current.text }
            }
        }
        return PolicyPages.staff(
            page, versions: try await policy.versions(in: page.language), drafts: drafts, summary: summary, error: error.map(page.message)
        ).response(status: error.map { HTTPStatus($0.status) } ?? .ok)
    }

    func publish(req: Request) async throws -> Response {
        let fields = try req.content.decode([String: String].self)
        let texts = Dictionary(uniqueKeysWithValues: Language.allCases.map { ($0, fields["text_" + $0.rawValue] ?? "") })
        do {
            let version = try await PrivacyPolicy(context: req.engine).publish(
                texts: texts, summary: fields["summary"] ?? "", caller: try req.staff.caller)
            return req.redirect(to: SiteURL.staff(.privacyPolicy).path(["notice": "policy_published", "version": String(version)]))
        } catch let error as PrivacyPolicyError {
            return try await page(req, error: error, typed: texts, summary: fields["summary"] ?? "")
        }
    }
}
