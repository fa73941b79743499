import BillingAPI
import BillingDomain
import BillingEngine
import Foundation
import Provisioning
import Vapor

/// The server part of `openapi.yaml` (SVC-3..SVC-5): power and reinstall, the network with its
/// reverse DNS, the traffic. Each operation is the use case the service pages call.
extension BillingAPIHandlers {
    func powerService(_ input: Operations.PowerService.Input) async throws -> Operations.PowerService.Output {
        let req = try request
        let caller = try bearer.caller
        let id = try Self.serviceID(input.path.serviceId)
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let lifecycle = ServiceLifecycle(context: req.engine)
        switch body.action {
        case .stop: try await lifecycle.stop(serviceID: id, caller: caller)
        case .start: try await lifecycle.start(serviceID: id, caller: caller)
        case .reboot: try await lifecycle.reboot(serviceID: id, caller: caller)
        case .reset: try await lifecycle.reboot(serviceID: id, hard: true, caller: caller)
        }
        return .accepted(.init(body: .json(Self.state(try await lifecycle.service(id, caller: caller)))))
    }

    func reinstallService(_ input: Operations.ReinstallService.Input) async throws -> Operations.ReinstallService.Output {
        let req = try request
        let caller = try bearer.caller
        let id = try Self.serviceID(input.path.serviceId)
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let lifecycle = ServiceLifecycle(context: req.engine)
        try await lifecycle.reinstall(serviceID: id, osImage: body.osImage, caller: caller)
        return .accepted(.init(body: .json(Self.state(try await lifecycle.service(id, caller: caller)))))
    }

    func configureService(_ input: Operations.ConfigureService.Input) async throws -> Operations.ConfigureService.Output {
        let req = try request
        let caller = try bearer.caller
        let id = try Self.serviceID(input.path.serviceId)
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let lifecycle = ServiceLifecycle(context: req.engine)
        try await lifecycle.configure(serviceID: id, domainName: body.domainName, osImage: body.osImage ?? "", caller: caller)
        return .accepted(.init(body: .json(Self.state(try await lifecycle.service(id, caller: caller)))))
    }

    func getServiceNetwork(_ input: Operations.GetServiceNetwork.Input) async throws -> Operations.GetServiceNetwork.Output {
        let req = try request
        let id = try Self.serviceID(input.path.serviceId)
        let overview = try await ServiceNetwork(context: req.engine).overview(serviceID: id, caller: try bearer.caller)
        return .ok(.init(body: .json(Self.network(overview))))
    }

    func setServiceReverseDNS(_ input: Operations.SetServiceReverseDNS.Input) async throws -> Operations.SetServiceReverseDNS.Output {
        let req = try request
        let caller = try bearer.caller
        let id = try Self.serviceID(input.path.serviceId)
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let network = ServiceNetwork(context: req.engine)
        try await network.setReverse(serviceID: id, address: body.address, name: body.name, caller: caller)
        return .accepted(.init(body: .json(Self.network(try await network.overview(serviceID: id, caller: caller)))))
    }

    func getServiceConsole(_ input: Operations.GetServiceConsole.Input) async throws -> Operations.GetServiceConsole.Output {
        let req = try request
        let id = try Self.serviceID(input.path.serviceId)
        let console = try await ServiceConsole(context: req.engine).overview(serviceID: id, caller: try bearer.caller)
        return .ok(
            .init(
                body: .json(
                    .init(
                        kind: console.kind.flatMap { .init(rawValue: $0.rawValue) }, available: console.available, host: console.host,
                        port: console.port, url: console.url,
                        access: console.access.map { access in
                            .init(
                                user: access.userName, status: .init(rawValue: access.status.rawValue)!, expiresAt: access.expiresAt,
                                error: access.error)
                        }))))
    }

    func openServiceConsole(_ input: Operations.OpenServiceConsole.Input) async throws -> Operations.OpenServiceConsole.Output {
        let req = try request
        let id = try Self.serviceID(input.path.serviceId)
        let opened = try await ServiceConsole(context: req.engine).open(serviceID: id, caller: try bearer.caller)
        switch opened {
        case .vnc(let console):
            return .ok(.init(body: .json(.init(kind: .vnc, host: console.host, port: console.port, password: console.password))))
        case .bmc(let url, let user, let password, let expiresAt):
            return .ok(.init(body: .json(.init(kind: .bmc, url: url, user: user, password: password, expiresAt: expiresAt))))
        }
    }

    func showServiceLogin(_ input: Operations.ShowServiceLogin.Input) async throws -> Operations.ShowServiceLogin.Output {
        let req = try request
        let caller = try bearer.caller
        let id = try Self.serviceID(input.path.serviceId)
        let login = try await ServiceLogin(context: req.engine).reveal(serviceID: id, caller: caller)
        let service = try await ServiceLifecycle(context: req.engine).service(id, caller: caller)
        return .ok(.init(body: .json(.init(address: service.ipAddress, user: login.user, password: login.password))))
    }

    func getServiceTraffic(_ input: Operations.GetServiceTraffic.Input) async throws -> Operations.GetServiceTraffic.Output {
        let req = try request
        let id = try Self.serviceID(input.path.serviceId)
        let span = input.query.span.flatMap { ServiceTraffic.Span(rawValue: $0.rawValue) } ?? .day
        let chart = try await ServiceTraffic(context: req.engine).chart(serviceID: id, span: span, caller: try bearer.caller)
        return .ok(
            .init(
                body: .json(
                    .init(
                        span: .init(rawValue: chart.span.rawValue)!, rxBytes: chart.rxTotal, txBytes: chart.txTotal,
                        monthBytes: chart.monthBytes, allowanceGib: chart.allowanceGiB,
                        buckets: chart.buckets.map { .init(start: $0.start, label: $0.label, rxBytes: $0.rxBytes, txBytes: $0.txBytes) }))))
    }

    // MARK: shapes

    /// A service id from the path; anything else is no such service.
    static func serviceID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw PageError.notFound }
        return id
    }

    static func state(_ service: Service) -> Components.Schemas.ServiceState {
        .init(service: serviceRef(service), status: service.status.rawValue, operation: service.operation?.rawValue)
    }

    static func network(_ overview: ServiceNetwork.Overview) -> Components.Schemas.ServiceNetwork {
        .init(
            netmask: overview.details?.netmask, gateway: overview.details?.gateway, mac: overview.details?.mac,
            addresses: overview.addresses.map { address in
                .init(
                    address: address.address, version: address.address.contains(":") ? .ipv6 : .ipv4, reverseName: address.reverseName,
                    reverseStatus: address.status.flatMap { .init(rawValue: $0.rawValue) })
            })
    }
}
