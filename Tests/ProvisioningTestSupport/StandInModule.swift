import BillingDomain
import Foundation
import NIOConcurrencyHelpers
import Provisioning
import Testing

/// A processing module for tests that fails by default: it answers each operation only as the
/// test scripted, in order, and a call nobody scripted records an issue (the test fails) and
/// answers a permanent failure. Every call is kept with the job's idempotency key, so a test can
/// prove the module was asked once, and with which key.
public final class StandInModule: ProcessingModule, Sendable {
    public let name: String
    private let state = NIOLockedValueBox<State>(State())

    private struct State {
        var script: [ProvisioningOperation: [ModuleAnswer]] = [:]
        var calls: [Call] = []
        var counters: [Int: TrafficCounters] = [:]
    }

    /// What the next traffic readings of a service's server say (until set again).
    public func setCounters(_ counters: TrafficCounters?, forService number: Int) {
        state.withLockedValue { $0.counters[number] = counters }
    }

    public func trafficCounters(forService number: Int, at now: Date) async throws -> TrafficCounters? {
        state.withLockedValue { $0.counters[number] }
    }

    /// One call the module received.
    public struct Call: Sendable, Hashable, CustomStringConvertible {
        public let operation: ProvisioningOperation
        public let serviceNumber: Int
        public let key: String
        /// A reboot asked as a hard reset.
        public var hardReset: Bool = false
        public var description: String { "\(operation.rawValue) #\(serviceNumber)" }
    }

    /// What the module says it can do (a DNS-only module cannot stop a server).
    public let supports: Set<ProvisioningOperation>

    public init(name: String = "stand-in", supports: Set<ProvisioningOperation> = Set(ProvisioningOperation.allCases)) {
        self.name = name
        self.supports = supports
    }

    /// The next calls of `operation` answer `answers`, one each, in order.
    public func expect(_ operation: ProvisioningOperation, _ answers: ModuleAnswer...) {
        state.withLockedValue { $0.script[operation, default: []].append(contentsOf: answers) }
    }

    public var calls: [Call] { state.withLockedValue { $0.calls } }
    /// The calls as `open #1001`, in order.
    public var log: [String] { calls.map(\.description) }
    /// Answers scripted and not asked for yet.
    public var unused: [ProvisioningOperation: Int] {
        state.withLockedValue { $0.script.filter { !$0.value.isEmpty }.mapValues(\.count) }
    }

    public func perform(_ operation: ProvisioningOperation, on service: ProvisioningRequest, key: String) async throws -> ModuleAnswer {
        let answer: ModuleAnswer? = state.withLockedValue { state in
            state.calls.append(Call(operation: operation, serviceNumber: service.number, key: key, hardReset: service.hardReset))
            guard var answers = state.script[operation], !answers.isEmpty else { return nil }
            let next = answers.removeFirst()
            state.script[operation] = answers
            return next
        }
        guard let answer else {
            Issue.record("unexpected call to the \(name) module: \(operation.rawValue) #\(service.number)")
            return .failed("the test did not expect \(operation.rawValue)", permanent: true)
        }
        return answer
    }
}
