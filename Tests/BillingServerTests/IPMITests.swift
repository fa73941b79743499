import BillingDomain
import Foundation
import Provisioning
import Testing

/// The IPMI driver against OpenIPMI's `ipmi_sim`, a simulated BMC that `.ci/run` starts with
/// `e2e/ipmi_sim.sh`: power, boot device, and a temporary user for the IP-KVM link that can
/// log in to the BMC until it is removed (SVC-3, SVC-4).
@Suite("IPMI driver", .enabled(if: IPMISimulator.available))
struct IPMITests {
    @Test func powerBootDeviceAndATemporaryUserOnARealBMC() async throws {
        let ipmi = IPMI(bmc: IPMISimulator.bmc)
        try await ipmi.power(.off)
        #expect(try await ipmi.powerState() == .off)
        try await ipmi.power(.on)
        #expect(try await ipmi.powerState() == .on)
        // A power cycle is off, then on again a moment later.
        try await ipmi.power(.cycle)
        var state = try await ipmi.powerState()
        for _ in 0..<20 where state == .off {
            try await Task.sleep(for: .milliseconds(250))
            state = try await ipmi.powerState()
        }
        #expect(state == .on)
        try await ipmi.power(.reset)
        #expect(try await ipmi.powerState() == .on)
        try await ipmi.bootFromNetwork()

        // The client's IP-KVM user logs in to the BMC, and no longer once removed.
        try await ipmi.addUser(slot: 5, name: "kvm1234", password: "Kvm-temporary-1")
        let asClient = IPMI(
            bmc: BMCAddress(host: IPMISimulator.bmc.host, port: IPMISimulator.bmc.port, user: "kvm1234", password: "Kvm-temporary-1"))
        #expect(try await asClient.powerState() == .on)
        try await ipmi.removeUser(slot: 5)
        // An unknown user is refused for good.
        do {
            _ = try await asClient.powerState()
            Issue.record("a removed BMC user still logs in")
        } catch let failure as IPMIFailure {
            #expect(failure.description.contains("chassis power status"))
            #expect(failure.isPermanent)
        }

        // A wrong password is refused for good; the password never appears in what is reported.
        let wrong = IPMI(bmc: BMCAddress(host: IPMISimulator.bmc.host, port: IPMISimulator.bmc.port, user: "admin", password: "not-secret"))
        do {
            try await wrong.power(.off)
            Issue.record("a wrong BMC password was accepted")
        } catch let failure as IPMIFailure {
            #expect(failure.isPermanent)
            #expect(!failure.description.contains("not-secret"))
        }
        #expect(try await ipmi.powerState() == .on)
    }
}

/// The simulated BMC `.ci/run` starts (`IPMI_TEST_HOST`, `IPMI_TEST_PORT`, `IPMI_TEST_USER`,
/// `IPMI_TEST_PASSWORD`); in CI the suite runs whether or not it is there, so a missing
/// simulator fails instead of skipping (and `.ci/run` checks that the test passed).
enum IPMISimulator {
    static let environment = ProcessInfo.processInfo.environment
    static var available: Bool { environment["IPMI_TEST_HOST"] != nil || environment["CI"] != nil }
    static var bmc: BMCAddress {
        BMCAddress(
            host: environment["IPMI_TEST_HOST"] ?? "127.0.0.1", port: Int(environment["IPMI_TEST_PORT"] ?? "") ?? 9623,
            user: environment["IPMI_TEST_USER"] ?? "admin", password: environment["IPMI_TEST_PASSWORD"] ?? "secret")
    }
}
