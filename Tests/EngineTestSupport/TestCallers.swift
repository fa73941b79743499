import BillingDomain
import Foundation

extension Initiator {
    /// A client user acting in an engine test that calls a use case directly.
    public static let testClient = Initiator.client(userID: UUID(uuidString: "00000000-0000-4000-8000-0000000000c1")!)
    /// A staff member acting in an engine test.
    public static let testStaff = Initiator.staff(UUID(uuidString: "00000000-0000-4000-8000-0000000000a1")!)
    /// A test's own set-up (opening balances, fixtures).
    public static let testSetUp = Initiator.system(job: "test")
}

extension Caller {
    /// An administrator acting in an engine test, as `Initiator.testStaff`.
    public static let testStaff = Caller.staff(UUID(uuidString: "00000000-0000-4000-8000-0000000000a1")!, role: .administrator)

    /// The owner of `account` (every right) acting in an engine test, as `Initiator.testClient`.
    /// `as` names another initiator (a real user of the account, when the history is checked).
    public static func testClient(_ account: Account, as initiator: Initiator = .testClient) -> Caller {
        Caller(initiator: initiator, account: account, clientRights: Set(ClientRight.allCases), staffRights: [])
    }

    /// The owner of `account` acting through a test's set-up (`Initiator.testSetUp`, every right):
    /// fixtures that order and pay as the owner would, where who acted does not matter.
    public static func testOwner(_ account: Account) -> Caller {
        Caller(initiator: .testSetUp, account: account, clientRights: Set(ClientRight.allCases), staffRights: [])
    }
}
