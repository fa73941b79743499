import BillingDomain
import NIOFoundationCompat
import Vapor

/// Sends the drivers' requests (gateways, SMS, DNS) with Vapor's HTTP client (AsyncHTTPClient underneath).
public struct VaporHTTPClient: OutboundHTTPClient {
    let client: any Client

    public init(client: any Client) { self.client = client }

    public func send(_ request: OutboundHTTPRequest) async throws -> OutboundHTTPResponse {
        var headers = HTTPHeaders()
        for (name, value) in request.headers { headers.replaceOrAdd(name: name, value: value) }
        var clientRequest = ClientRequest(method: HTTPMethod(rawValue: request.method), url: URI(string: request.url), headers: headers)
        // A gateway that hangs must not hold a client's page or the daily pass; the drivers'
        // idempotency keys make asking again safe.
        clientRequest.timeout = .seconds(30)
        if let body = request.body { clientRequest.body = ByteBuffer(data: body) }
        let response = try await client.send(clientRequest)
        let body = response.body.map { Data(buffer: $0) } ?? Data()
        return OutboundHTTPResponse(status: Int(response.status.code), body: body)
    }
}
