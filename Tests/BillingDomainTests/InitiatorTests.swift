import BillingDomain
import Foundation
import Testing

@Suite("Who did it")
struct InitiatorTests {
    let id = UUID(uuidString: "8D3F1A52-0000-4000-8000-000000000001")!

    @Test func everyPartyIsStoredInOneFormAndReadBack() {
        let parties: [(Initiator, String)] = [
            (.client(userID: id), "client:8d3f1a52-0000-4000-8000-000000000001"),
            (.apiToken(userID: id), "api:8d3f1a52-0000-4000-8000-000000000001"),
            (.staff(id), "staff:8d3f1a52-0000-4000-8000-000000000001"),
            (.system(job: nil), "system"),
            (.system(job: "renewals"), "system:renewals"),
            (.gateway("stripe"), "gateway:stripe"),
            (.module("simulated"), "module:simulated")
        ]
        for (party, stored) in parties {
            #expect(party.stored == stored)
            #expect(Initiator(stored: stored) == party)
        }
        #expect(Initiator(stored: "client:not-a-uuid") == nil)
        #expect(Initiator(stored: "bench") == nil)
        #expect(Initiator(stored: "") == nil)
    }

    @Test func aHistoryLineNamesTheKindOfParty() {
        // An API token acts for its client; a gateway's notice is the platform at work.
        #expect(Initiator.apiToken(userID: id).kind == .client)
        #expect(Initiator.client(userID: id).kind == .client)
        #expect(Initiator.staff(id).kind == .staff)
        #expect(Initiator.gateway("yookassa").kind == .system)
        #expect(Initiator.system(job: "autopayment").kind == .system)
        #expect(Initiator.module("simulated").kind == .module)
    }
}
