import BillingDomain
import BillingStore
import FluentKit
import Foundation

/// Creates members of staff (from the CLI and the demo; a staff-management page comes later).
public struct StaffAccounts: Sendable {
    let context: EngineContext

    public init(context: EngineContext) { self.context = context }

    public enum Failure: Error, Equatable {
        case invalidEmail
        case password(PasswordPolicy.Violation)
        case emailTaken
    }

    @discardableResult
    public func create(email rawEmail: String, name: String, password: String, role: StaffRole) async throws -> UUID {
        guard let email = EmailAddress.normalized(rawEmail) else { throw Failure.invalidEmail }
        do { try PasswordPolicy.check(password) } catch { throw Failure.password(error) }
        guard try await StaffUserRecord.query(on: context.database).filter(\.$email == email).first() == nil else {
            throw Failure.emailTaken
        }
        let record = StaffUserRecord(
            email: email, name: name, passwordHash: try await context.passwords.hash(password),
            role: role.rawValue, createdAt: context.clock.now)
        try await record.create(on: context.database)
        return record.id!
    }
}
