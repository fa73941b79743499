import BillingDomain
import Foundation

/// Why the BMC did not do what was asked; `isPermanent` tells a job whether to retry.
public struct IPMIFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public let isPermanent: Bool
}

/// Where a dedicated server's BMC answers IPMI over LAN, and the account the platform uses.
public struct BMCAddress: Sendable, Hashable {
    public let host: String
    public let port: Int
    public let user: String
    public let password: String

    public init(host: String, port: Int = 623, user: String, password: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
    }
}

/// Runs a command line tool and answers its exit status and output (the IPMI driver runs
/// `ipmitool`, as a provider's staff would).
public protocol CommandRunner: Sendable {
    func run(_ tool: String, _ arguments: [String], environment: [String: String], timeout: TimeInterval) async throws -> CommandResult
}

public struct CommandResult: Sendable, Equatable {
    public let status: Int32
    public let output: String
    public let error: String
}

/// `Process`, waited for without blocking a thread of the event loops, killed at the timeout.
public struct ProcessRunner: CommandRunner {
    public init() {}

    public func run(_ tool: String, _ arguments: [String], environment: [String: String], timeout: TimeInterval) async throws
        -> CommandResult
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in
                let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let err = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                continuation.resume(returning: CommandResult(status: finished.terminationStatus, output: out, error: err))
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { process.terminate() } }
        }
    }
}

/// A dedicated server's power, boot device and users through its BMC (SVC-3, SVC-4): `ipmitool`
/// over IPMI 2.0 (`lanplus`, cipher suite 3). The platform's password goes in `IPMI_PASSWORD`
/// (`-E`), never on a command line another user of the machine could read.
public struct IPMI: Sendable {
    public enum PowerState: String, Sendable { case on, off }

    /// `off` is a hard power-off; `soft` asks the operating system to shut down (ACPI).
    public enum PowerAction: String, Sendable, CaseIterable { case on, off, soft, cycle, reset }

    public let bmc: BMCAddress
    let runner: any CommandRunner
    let tool: String
    public var timeout: TimeInterval = 20

    public init(bmc: BMCAddress, runner: any CommandRunner = ProcessRunner(), tool: String = "/usr/bin/ipmitool") {
        self.bmc = bmc
        self.runner = runner
        self.tool = tool
    }

    @discardableResult
    private func ipmitool(_ arguments: [String]) async throws -> String {
        let common =
            ["-I", "lanplus", "-C", "3", "-H", bmc.host, "-p", String(bmc.port), "-U", bmc.user, "-E", "-N", "2", "-R", "2"]
            // Verbose: a refused login says why on stderr (a wrong password, an unknown user),
            // which tells a refusal from a BMC that does not answer.
            + ["-v"]
        let result: CommandResult
        do {
            result = try await runner.run(tool, common + arguments, environment: ["IPMI_PASSWORD": bmc.password], timeout: timeout)
        } catch {
            throw IPMIFailure(description: "ipmitool did not run: \(error)", isPermanent: false)
        }
        guard result.status == 0 else {
            let text = (result.error + " " + result.output).split(separator: "\n")
                .filter { !$0.hasPrefix("Loading IANA") }.joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines)
            // A wrong user or password is refused by the BMC the same way every time; a session
            // that could not be set up (the BMC busy or unreachable) may work later.
            let refused = ["RAKP 2 HMAC is invalid", "unauthorized name", "Invalid user name"].contains {
                text.localizedCaseInsensitiveContains($0)
            }
            // A user's new password is an argument: it never goes into what is reported.
            let shown = arguments.starts(with: ["user", "set", "password"]) ? Array(arguments.prefix(4)) + ["…"] : arguments
            throw IPMIFailure(
                description: "the BMC \(bmc.host) refused `\(shown.joined(separator: " "))`: \(text)", isPermanent: refused)
        }
        return result.output
    }

    public func powerState() async throws -> PowerState {
        let output = try await ipmitool(["chassis", "power", "status"])
        if output.contains("is on") { return .on }
        if output.contains("is off") { return .off }
        throw IPMIFailure(description: "the BMC \(bmc.host) answered the power status with: \(output)", isPermanent: false)
    }

    public func power(_ action: PowerAction) async throws {
        try await ipmitool(["chassis", "power", action.rawValue])
    }

    /// The next boot from the network (PXE), for a reinstall.
    public func bootFromNetwork() async throws {
        try await ipmitool(["chassis", "bootdev", "pxe"])
    }

    /// A BMC user in `slot` for the client's IP-KVM session, with administrator privilege on
    /// channel 1. The slot is the provider's to reserve (never the platform's own user's).
    public func addUser(slot: Int, name: String, password: String) async throws {
        let id = String(slot)
        try await ipmitool(["user", "set", "name", id, name])
        try await ipmitool(["user", "set", "password", id, password])
        try await ipmitool(["user", "priv", id, "4", "1"])
        try await ipmitool(["user", "enable", id])
    }

    /// Closes the slot's user: disabled, and its password replaced by one nobody knows.
    public func removeUser(slot: Int) async throws {
        let id = String(slot)
        try await ipmitool(["user", "disable", id])
        let unknown = ServerLogin.newPassword()
        try await ipmitool(["user", "set", "password", id, unknown])
    }
}
