import BillingDomain
import BillingEngine
import Vapor

/// Staff's pool of dedicated servers (SVC-2): the list, adding a server with its BMC, removing
/// a free one.
struct StaffServersController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.staff(.servers), use: list)
        routes.post(SiteURL.staff(.servers), use: add)
        routes.post(SiteURL.staff(.serverRemove(.key)), use: remove)
    }

    func list(req: Request) async throws -> Response {
        let servers = try await ServerPool(context: req.engine).servers(caller: try req.staff.caller)
        return StaffServerPages.list(PageContext(req), servers: servers, error: nil).response()
    }

    func add(req: Request) async throws -> Response {
        let fields = (try? req.content.decode([String: String].self)) ?? [:]
        let pool = ServerPool(context: req.engine)
        let caller = try req.staff.caller
        let page = PageContext(req)
        let port = (fields["bmc_port"] ?? "").trimmingCharacters(in: .whitespaces)
        do {
            guard port.isEmpty || Int(port) != nil else { throw ServerPoolError.badBMCPort }
            try await pool.add(
                ServerPool.Form(
                    name: fields["name"] ?? "", bmcHost: fields["bmc_host"] ?? "", bmcPort: Int(port), bmcUser: fields["bmc_user"] ?? "",
                    bmcPassword: fields["bmc_password"] ?? "", address: fields["address"] ?? "", notes: fields["notes"] ?? ""),
                caller: caller)
        } catch let refusal as ServerPoolError {
            var typed = fields
            typed["bmc_password"] = nil
            return StaffServerPages.list(
                page, servers: try await pool.servers(caller: caller), error: page.message(refusal), typed: typed
            ).response(status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.staff(.servers).notice("server_added"))
    }

    func remove(req: Request) async throws -> Response {
        guard let id = req.parameters.get("serverID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        let pool = ServerPool(context: req.engine)
        let caller = try req.staff.caller
        do {
            try await pool.remove(id, caller: caller)
        } catch ServerPoolError.notFound {
            throw PageError.notFound
        } catch let refusal as ServerPoolError {
            let page = PageContext(req)
            return StaffServerPages.list(page, servers: try await pool.servers(caller: caller), error: page.message(refusal))
                .response(status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.staff(.servers).notice("server_removed"))
    }
}
