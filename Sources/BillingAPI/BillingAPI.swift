/// The HTTP JSON API, generated from `openapi.yaml` (types and the server protocol) by
/// swift-openapi-generator at build time. The handlers live in `BillingServer`.
public enum BillingAPISpec {
    /// The OpenAPI document itself, served at `/api/openapi.yaml`; embedded in the binary.
    public static var yaml: String { String(decoding: PackageResources.openapi_yaml, as: UTF8.self) }
}
