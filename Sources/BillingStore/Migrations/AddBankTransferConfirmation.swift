import FluentKit

/// What staff record when they confirm a bank transfer: who, the day the money arrived, and the
/// bank's reference (`PaymentFlow.confirmBankTransfer`). Empty for every other payment.
public struct AddBankTransferConfirmation: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        // One column a statement: SQLite adds one at a time.
        for column in ["confirmed_by", "received_on", "bank_reference"] {
            try await database.schema(PaymentRecord.schema).field(.string(column), .string).update()
        }
    }
    public func revert(on database: any Database) async throws {
        for column in ["confirmed_by", "received_on", "bank_reference"] {
            try await database.schema(PaymentRecord.schema).deleteField(.string(column)).update()
        }
    }
}
