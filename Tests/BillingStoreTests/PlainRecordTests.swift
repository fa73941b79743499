import BillingDomain
import BillingEngine
import BillingStore
import BillingTestSupport
import Fluent
import FluentSQL
import Foundation
import Testing

/// The plain rows of records (`PlainRecord`) are the records: every column of the model listed
/// once, each value in its place, stored as Fluent stores it, read back as Fluent reads it. Every
/// record is made with every optional field set and no two fields alike, so a missing, swapped or
/// mistyped column changes what is read back.
@Suite("Plain records")
struct PlainRecordTests {
    static let at = Date(timeIntervalSince1970: 1_768_467_600)

    @Test func columnsAreExactlyTheModelsFields() {
        func check<R: PlainRecord>(_ type: R.Type) {
            #expect(R.plainColumns.sorted() == R.keys.map(\.description).sorted(), "\(R.self)")
            #expect(Set(R.plainColumns).count == R.plainColumns.count, "\(R.self) lists a column twice")
        }
        check(AccountRecord.self)
        check(UserRecord.self)
        check(ServiceRecord.self)
        check(ServiceEventRecord.self)
        check(ExpenseRecord.self)
        check(PaymentRecord.self)
        check(OrderRecord.self)
        check(OrderItemRecord.self)
        check(WebSessionRecord.self)
        check(APITokenRecord.self)
        check(PaymentMethodRecord.self)
    }

    @Test func recordsWrittenPlainReadBackThroughFluentAndTheOtherWayRound() async throws {
        try await TestApp.run { app, _ in
            let catalog = try await CatalogFixture.make(app)
            let db = app.db
            let account = { (n: Int) in
                AccountRecord(
                    clientCode: 700_000 + n, name: "Plain \(n)", country: "PL", registeredOn: "2026-01-0\(n)", currency: .KZT,
                    language: .uk, status: .blocked, createdAt: Self.at.addingTimeInterval(Double(n)))
            }
            let accounts = try await Self.roundTrip(account, on: db)
            let owner = accounts[0]
            let user = { (n: Int) in
                let user = UserRecord(
                    accountID: owner, email: "plain\(n)@example.com", name: "Plain user \(n)", passwordHash: "hash-\(n)", isOwner: false,
                    enabled: false, phone: "+48 600 000 00\(n)", language: .ru, createdAt: Self.at,
                    emailConfirmedAt: Self.at.addingTimeInterval(60))
                user.lastLoginAt = Self.at.addingTimeInterval(120)
                return user
            }
            let users = try await Self.roundTrip(user, on: db)
            let service = { (n: Int) in
                let service = ServiceRecord(
                    accountID: owner, number: 9_000 + n, planID: catalog.monthly, productType: .dedicated, planName: "Plan \(n)",
                    domainName: "plain\(n).example", osImage: "Debian 12", addons: "{\"ram\":\(n)}", status: .processing,
                    period: .quarter, currency: .KZT, recurringAmount: 123_400 + Int64(n), autoRenew: false, anchorOn: "2026-02-01",
                    periodsPaid: 3 + n, expiresOn: "2026-11-01", isTrial: true, createdAt: Self.at)
                service.operation = .switchingOn
                service.savedMethodID = UUID()
                service.ipAddress = "192.0.2.\(n)"
                service.expiredOn = "2026-10-0\(n)"
                service.updatedAt = Self.at.addingTimeInterval(300)
                return service
            }
            let services = try await Self.roundTrip(service, on: db)
            _ = try await Self.roundTrip(
                { (n: Int) in
                    ServiceEventRecord(
                        serviceID: services[0], at: Self.at.addingTimeInterval(Double(n)), event: "event \(n)", fromStatus: .active,
                        toStatus: .stoppedByAdmin, actor: .staff(UUID()), note: "note \(n)")
                }, on: db)
            let order = { (n: Int) in
                let order = OrderRecord(
                    accountID: owner, number: 40_000 + n, currency: .KZT, total: 55_500 + Int64(n), tax: 7_700, paymentMethod: "bank",
                    createdAt: Self.at)
                order.status = .paid
                order.paidAt = Self.at.addingTimeInterval(900)
                return order
            }
            let orders = try await Self.roundTrip(order, on: db)
            _ = try await Self.roundTrip(
                { (n: Int) in
                    let item = OrderItemRecord(
                        accountID: owner, kind: .renewal, planID: catalog.monthly, serviceID: services[0], period: .halfYear,
                        domainName: "item\(n).example", osImage: "Ubuntu 24.04", addons: "{}", trial: true, promoCode: "SPRING\(n)",
                        createdAt: Self.at)
                    item.orderID = orders[0]
                    item.quote = "{\"quote\":\(n)}"
                    item.amount = 11_100 + Int64(n)
                    item.tax = 2_200
                    return item
                }, on: db)
            _ = try await Self.roundTrip(
                { (n: Int) in
                    ExpenseRecord(
                        accountID: owner, serviceID: services[0], summary: "Expense \(n)", chargedOn: "2026-03-0\(n)",
                        periodFrom: "2026-03-01", periodTo: "2026-03-31", amount: 12_300 + Int64(n), tax: 2_000, taxRate: 2_300,
                        currency: .KZT, paidAmount: 5_000, ledgerTransactionID: UUID(), idempotencyKey: "plain-expense-\(n)",
                        createdAt: Self.at)
                }, on: db)
            _ = try await Self.roundTrip(
                { (n: Int) in
                    let method = PaymentMethodRecord(
                        kind: .yookassa, name: "Method \(n)", descriptions: "{\"en\":\"Pay \(n)\"}", currency: .KZT,
                        commissionBasisPoints: 250, commissionFixed: 1_000 + Int64(n), minimum: 5_000, maximum: 9_000_000,
                        cashbackBasisPoints: 100, payerKinds: "person company", enabled: false, position: 7 + n, createdAt: Self.at)
                    method.translations = "{\"name\":{\"uk\":\"Метод \(n)\"}}"
                    return method
                }, on: db)
            _ = try await Self.roundTrip(
                { (n: Int) in
                    let session = WebSessionRecord(
                        tokenHash: "hash-\(n)", realm: "client", principalID: UUID(), createdAt: Self.at,
                        expiresAt: Self.at.addingTimeInterval(3_600), ip: "198.51.100.\(n)", userAgent: "Agent \(n)")
                    session.lastSeenAt = Self.at.addingTimeInterval(60)
                    return session
                }, on: db)
            _ = try await Self.roundTrip(
                { (n: Int) in
                    let token = APITokenRecord(
                        userID: users[0], name: "Token \(n)", tokenHash: "token-hash-\(n)", scopes: "read write",
                        expiresAt: Self.at.addingTimeInterval(7_200), createdAt: Self.at)
                    token.lastUsedAt = Self.at.addingTimeInterval(30)
                    token.revokedAt = Self.at.addingTimeInterval(90)
                    return token
                }, on: db)
            _ = try await Self.roundTrip(
                { (n: Int) in
                    let payment = PaymentRecord(
                        accountID: owner, number: 800_000 + n, methodID: UUID(), channel: .method(.stripe), purpose: .order,
                        currency: .KZT, amount: 100_000 + Int64(n), commission: 3_000, total: 103_000, cashback: 1_000,
                        status: .credited, idempotencyKey: "plain-payment-\(n)", createdAt: Self.at)
                    payment.orderID = orders[0]
                    payment.serviceID = services[0]
                    payment.payerID = UUID()
                    payment.savedMethodID = UUID()
                    payment.cashbackOf = UUID()
                    payment.refunded = 400
                    payment.saveMethod = true
                    payment.gatewaySessionID = "session-\(n)"
                    payment.gatewayPaymentID = "payment-\(n)"
                    payment.redirectURL = "https://pay.example/\(n)"
                    payment.failure = "declined \(n)"
                    payment.creditedAt = Self.at.addingTimeInterval(30)
                    payment.ledgerTransactionID = UUID()
                    return payment
                }, on: db)
        }
    }

    /// Writes one record plainly and reads it through Fluent, writes another through Fluent and
    /// reads it plainly (when the record has a reader); both must read back as made.
    static func roundTrip<R: PlainRecord>(_ make: (Int) -> R, on db: any Database) async throws -> [UUID] where R.IDValue == UUID {
        let plain = make(1)
        try await BatchInsert.write([plain], on: db.sql)
        #expect(try await fluentRead(R.self, plain.id!, on: db) == Self.plain(plain), "\(R.self) written plainly")
        let viaFluent = make(2)
        try await viaFluent.create(on: db)
        if let readable = R.self as? any PlainReadable.Type {
            let read = try await readable.plainRead(
                "SELECT \(idents: R.plainColumns, joinedBy: ", ") FROM \(ident: R.schema) WHERE id = \(bind: viaFluent.id!)", on: db.sql)
            #expect(read.map(Self.plain) == [Self.plain(viaFluent)], "\(R.self) read plainly")
        }
        return [plain.id!, viaFluent.id!]
    }

    static func fluentRead<R: PlainRecord>(_ type: R.Type, _ id: UUID, on db: any Database) async throws -> String?
    where R.IDValue == UUID {
        try await R.find(id, on: db).map(plain)
    }

    /// A record's plain values as JSON, to compare two records field by field.
    static func plain(_ record: any PlainRecord) -> String {
        struct Value: Encodable {
            let value: any Encodable
            func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let values = record.plainValues.map { Value(value: $0) }
        return String(decoding: (try? encoder.encode(values)) ?? Data(), as: UTF8.self)
    }
}
