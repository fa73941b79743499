import BillingDomain
import BillingEngine
import Vapor

/// Staff's pool of dedicated servers (SVC-2): the list, adding a server with its BMC and its
/// switch port, changing one, removing a free one.
struct StaffServersController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(SiteURL.staff(.servers), use: list)
        routes.post(SiteURL.staff(.servers), use: add)
        routes.get(SiteURL.staff(.server(.key)), use: show)
        routes.post(SiteURL.staff(.server(.key)), use: save)
        routes.post(SiteURL.staff(.serverRemove(.key)), use: remove)
    }

    /// The form's fields as the engine takes them; a port or an index that is not a number is
    /// refused here, before anything is looked at.
    static func form(_ fields: [String: String]) throws -> ServerPool.Form {
        func number(_ name: String, _ refusal: ServerPoolError) throws -> Int? {
            let text = (fields[name] ?? "").trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return nil }
            guard let value = Int(text) else { throw refusal }
            return value
        }
        let switchHost = (fields["switch_host"] ?? "").trimmingCharacters(in: .whitespaces)
        return ServerPool.Form(
            name: fields["name"] ?? "", bmcHost: fields["bmc_host"] ?? "", bmcPort: try number("bmc_port", .badBMCPort),
            bmcUser: fields["bmc_user"] ?? "", bmcPassword: fields["bmc_password"] ?? "", address: fields["address"] ?? "",
            notes: fields["notes"] ?? "", switchHost: switchHost,
            // The page fills in 161: with no switch it means nothing.
            switchPort: switchHost.isEmpty ? nil : try number("switch_port", .badSwitchPort),
            switchCommunity: fields["switch_community"] ?? "", switchInterface: try number("switch_interface", .badSwitchInterface))
    }

    /// What a refused form shows again: everything but the secrets.
    static func retyped(_ fields: [String: String]) -> [String: String] {
        fields.filter { $0.key != "bmc_password" && $0.key != "switch_community" && $0.key != "csrf" }
    }

    func show(req: Request) async throws -> Response {
        guard let id = req.parameters.get("serverID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        let pool = ServerPool(context: req.engine)
        let caller = try req.staff.caller
        let form: ServerPool.Form
        do { form = try await pool.form(of: id, caller: caller) } catch ServerPoolError.notFound { throw PageError.notFound }
        let typed = [
            "name": form.name, "address": form.address, "bmc_host": form.bmcHost, "bmc_port": String(form.bmcPort ?? 623),
            "bmc_user": form.bmcUser, "notes": form.notes, "switch_host": form.switchHost,
            "switch_port": String(form.switchPort ?? 161), "switch_interface": form.switchInterface.map(String.init) ?? ""
        ]
        let server = try await pool.server(id, caller: caller)
        return StaffServerPages.edit(PageContext(req), id: id, server: server, typed: typed, error: nil).response()
    }

    func save(req: Request) async throws -> Response {
        guard let id = req.parameters.get("serverID").flatMap(UUID.init(uuidString:)) else { throw PageError.notFound }
        let fields = (try? req.content.decode([String: String].self)) ?? [:]
        let pool = ServerPool(context: req.engine)
        let caller = try req.staff.caller
        do {
            try await pool.update(id, try Self.form(fields), caller: caller)
        } catch ServerPoolError.notFound {
            throw PageError.notFound
        } catch let refusal as ServerPoolError {
            let page = PageContext(req)
            let server = try await pool.server(id, caller: caller)
            return StaffServerPages.edit(page, id: id, server: server, typed: Self.retyped(fields), error: page.message(refusal))
                .response(status: .unprocessableEntity)
        }
        return req.redirect(to: SiteURL.staff(.servers).notice("server_saved"))
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
        do {
            try await pool.add(try Self.form(fields), caller: caller)
        } catch let refusal as ServerPoolError {
            return StaffServerPages.list(
                page, servers: try await pool.servers(caller: caller), error: page.message(refusal), typed: Self.retyped(fields)
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
