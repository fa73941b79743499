import BillingAPI
import BillingDomain
import BillingEngine
import Foundation
import Provisioning
import Vapor

/// A client's service in the staff API: the twin of `/admin/services/:id` (the same rights,
/// `services.view` to read and `services.manage` to act, and the same engine calls), so a
/// provider's tools can stop an abusive server or reboot a hung one.
extension BillingAPIHandlers {
    func listStaffServices(_ input: Operations.ListStaffServices.Input) async throws -> Operations.ListStaffServices.Output {
        let req = try request
        let staff = try staffBearer()
        let page = try APIPaging.page(input.query.page, nil, req)
        let modules = req.engine.modules.names
        let filter = ServiceLifecycle.ListFilter(
            type: input.query._type.flatMap { ProductType(rawValue: $0.rawValue) },
            status: input.query.status.flatMap { ServiceStatus(rawValue: $0.rawValue) }, search: String((input.query.q ?? "").prefix(100)),
            module: input.query.module.flatMap { modules.contains($0) ? $0 : nil })
        let services = try await ServiceLifecycle(context: req.engine).listForStaff(filter: filter, page: page, caller: staff.caller)
        let clients = try await ClientDirectory(context: req.engine).names(of: Set(services.items.map(\.accountID)))
        let items = services.items.map { service in
            Components.Schemas.StaffServicePage.ItemsPayloadPayload(
                service: Self.serviceRef(service), accountId: service.accountID.uuidString.lowercased(),
                clientName: clients[service.accountID] ?? "", productType: service.productType.rawValue, status: service.status.rawValue,
                operation: service.operation?.rawValue, ipAddress: service.ipAddress, expiresOn: service.expiresOn.iso)
        }
        return .ok(.init(body: .json(.init(items: items, page: page.number, perPage: page.size, total: services.total))))
    }

    func getStaffService(_ input: Operations.GetStaffService.Input) async throws -> Operations.GetStaffService.Output {
        let req = try request
        let id = try Self.serviceID(input.path.serviceId)
        let lifecycle = ServiceLifecycle(context: req.engine)
        guard let service = try await lifecycle.serviceForStaff(id) else { throw PageError.notFound }
        return .ok(.init(body: .json(Self.staffService(service, choices: try await lifecycle.staffChoices(for: service)))))
    }

    func runStaffServiceAction(_ input: Operations.RunStaffServiceAction.Input) async throws -> Operations.RunStaffServiceAction.Output {
        let req = try request
        let staff = try staffBearer()
        let id = try Self.serviceID(input.path.serviceId)
        guard case .json(let body) = input.body, let action = StaffServiceAction(rawValue: body.action.rawValue) else {
            throw PlainRefusal.badRequest
        }
        let lifecycle = ServiceLifecycle(context: req.engine)
        try await lifecycle.staffAction(action, serviceID: id, reason: body.reason ?? "", osImage: body.osImage ?? "", caller: staff.caller)
        guard let service = try await lifecycle.serviceForStaff(id) else { throw PageError.notFound }
        return .accepted(.init(body: .json(Self.staffService(service, choices: try await lifecycle.staffChoices(for: service)))))
    }

    static func staffService(_ service: Service, choices: ServiceLifecycle.StaffChoices) -> Components.Schemas.StaffService {
        .init(
            service: serviceRef(service), accountId: service.accountID.uuidString.lowercased(), status: service.status.rawValue,
            operation: service.operation?.rawValue, ipAddress: service.ipAddress, osImage: service.osImage.isEmpty ? nil : service.osImage,
            actions: choices.actions.compactMap { .init(rawValue: $0.rawValue) }, systems: choices.systems)
    }
}
