import FluentKit

public struct CreatePayers: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        try await database.schema(PayerRecord.schema)
            .id()
            .field("account_id", .uuid, .required, .references(AccountRecord.schema, .id))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await SchemaIndex.create("payers_account", on: PayerRecord.schema, columns: ["account_id"], in: database)
    }
    public func revert(on database: any Database) async throws {
        try await database.schema(PayerRecord.schema).delete()
    }
}

/// One payer per account, kind and name: two payments started at once for a new payer of the
/// same name made two rows (probe of issue 19). Duplicates already made are merged into the
/// oldest (payments follow it), then a unique index keeps it so.
public struct UniquePayerNames: AsyncMigration {
    public init() {}
    public func prepare(on database: any Database) async throws {
        let payers = try await PayerRecord.query(on: database).sort(\.$createdAt).sort(\.$id).all()
        var kept: [String: UUID] = [:]
        for payer in payers {
            let key = "\(payer.accountID.uuidString)|\(payer.kind.rawValue)|\(payer.name)"
            guard let original = kept[key] else {
                kept[key] = payer.id!
                continue
            }
            try await PaymentRecord.query(on: database).filter(\.$payerID == payer.id!).set(\.$payerID, to: original).update()
            try await payer.delete(on: database)
        }
        try await SchemaIndex.create(
            "payers_account_kind_name", on: PayerRecord.schema, columns: ["account_id", "kind", "name"], unique: true, in: database)
    }
    public func revert(on database: any Database) async throws {
        try await SchemaIndex.drop("payers_account_kind_name", in: database)
    }
}
