import BillingDomain
import Crypto
import Foundation
import Vapor

/// The stylesheet, script and icon, embedded in the binary (SwiftPM `embedInCode`) so the built
/// `billing` runs from any directory with nothing beside it. Paths carry a content hash, so
/// browsers may cache them forever and still see a new version at once.
enum AssetRoutes {
    static let stylesheet = Data(PackageResources.app_css)
    static let script = Data(PackageResources.app_js)
    static let favicon = Data(
        """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#2952cc"/>\
        <path d="M9 9h9a5 5 0 0 1 0 10H9zM9 19h10a4 4 0 0 1 0 8H9z" fill="#fff" opacity=".95"/></svg>
        """.utf8)

    static let stylesheetPath = "/assets/app-\(fingerprint(stylesheet)).css"
    static let scriptPath = "/assets/app-\(fingerprint(script)).js"
    static let faviconPath = "/assets/favicon-\(fingerprint(favicon)).svg"

    static func register(on app: Application) {
        serve(
            app, path: stylesheetPath, data: stylesheet, type: HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])
        )
        serve(
            app, path: scriptPath, data: script, type: HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"]))
        serve(app, path: faviconPath, data: favicon, type: HTTPMediaType(type: "image", subType: "svg+xml"))
    }

    private static func serve(_ app: Application, path: String, data: Data, type: HTTPMediaType) {
        let components = path.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
        app.get(components) { _ -> Response in
            var headers = HTTPHeaders()
            headers.contentType = type
            headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=31536000, immutable")
            return Response(status: .ok, headers: headers, body: .init(data: data))
        }
    }

    private static func fingerprint(_ data: Data) -> String {
        Hex.encode(SHA256.hash(data: data).prefix(6))
    }
}
