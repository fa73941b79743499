import BillingAPI
import BillingDomain
import BillingEngine
import Foundation

/// The API twins of the profile's phone number (ACC-2) and personal data (ACC-7): the same
/// `PhoneNumbers` and `PersonalData` calls with the token's caller.
extension BillingAPIHandlers {
    private var phones: PhoneNumbers { get throws { PhoneNumbers(context: try request.engine) } }

    private func phoneStatus() async throws -> Components.Schemas.PhoneStatus {
        let status = try await phones.status(caller: try bearer.caller)
        return .init(
            number: status.number, confirmed: status.confirmed,
            pending: status.pending.map { pending in
                .init(
                    purpose: pending.purpose == .confirm ? .confirm : .release, sentTo: pending.sentTo, newNumber: pending.newNumber,
                    expiresAt: pending.expiresAt)
            })
    }

    func updateMe(_ input: Operations.UpdateMe.Input) async throws -> Operations.UpdateMe.Output {
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let engine = try request.engine
        let caller = try bearer.caller
        if let name = body.name { try await AccountSecurity(context: engine).rename(name, caller: caller) }
        if let language = body.language.flatMap({ BillingDomain.Language(rawValue: $0.rawValue) }), let userID = caller.initiator.userID {
            try await UserPreferences(context: engine).setLanguage(language, userID: userID)
        }
        return .noContent(.init())
    }

    func getPhone(_ input: Operations.GetPhone.Input) async throws -> Operations.GetPhone.Output {
        .ok(.init(body: .json(try await phoneStatus())))
    }

    func setPhone(_ input: Operations.SetPhone.Input) async throws -> Operations.SetPhone.Output {
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        try await phones.set(body.number, caller: try bearer.caller)
        return .accepted(.init(body: .json(try await phoneStatus())))
    }

    func removePhone(_ input: Operations.RemovePhone.Input) async throws -> Operations.RemovePhone.Output {
        try await phones.remove(caller: try bearer.caller)
        return .accepted(.init(body: .json(try await phoneStatus())))
    }

    func confirmPhone(_ input: Operations.ConfirmPhone.Input) async throws -> Operations.ConfirmPhone.Output {
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        try await phones.confirm(body.code, caller: try bearer.caller)
        return .ok(.init(body: .json(try await phoneStatus())))
    }

    func exportPersonalData(_ input: Operations.ExportPersonalData.Input) async throws -> Operations.ExportPersonalData.Output {
        try await PersonalData(context: try request.engine).requestExport(caller: try bearer.caller)
        return .accepted(.init())
    }

    private static func privacyRequest(_ request: PrivacyRequest) -> Components.Schemas.PrivacyRequest {
        .init(
            id: request.id.uuidString.lowercased(), kind: request.kind == .erase ? .erase : .restrict,
            status: .init(rawValue: request.status.rawValue)!, message: request.message, createdAt: request.createdAt,
            answer: request.answer)
    }

    func listPrivacyRequests(_ input: Operations.ListPrivacyRequests.Input) async throws -> Operations.ListPrivacyRequests.Output {
        let requests = try await PersonalData(context: try request.engine).requests(caller: try bearer.caller)
        return .ok(.init(body: .json(.init(items: requests.map(Self.privacyRequest)))))
    }

    func createPrivacyRequest(_ input: Operations.CreatePrivacyRequest.Input) async throws -> Operations.CreatePrivacyRequest.Output {
        guard case .json(let body) = input.body else { throw PlainRefusal.badRequest }
        let made = try await PersonalData(context: try request.engine).request(
            body.kind == .erase ? .erase : .restrict, message: body.message ?? "", caller: try bearer.caller)
        return .created(.init(body: .json(Self.privacyRequest(made))))
    }
}
