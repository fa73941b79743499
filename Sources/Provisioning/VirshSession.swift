import Foundation

/// One `virsh` process kept open on a libvirt URI, fed one command at a time over its standard
/// input (libvirt's own shell), so every operation shares one connection to the host.
///
/// That is what a real host wants (no connect and authenticate per command) and what libvirt's
/// `test:///` driver needs: its state lives as long as the connection, so the engine's tests see
/// a domain defined by one job still there for the next one.
///
/// Each command is followed by an `echo` of a marker the command line itself does not contain
/// (`'@@bil''ling-7@@'` prints `@@billing-7@@`); what virsh wrote before the marker is the
/// command's answer, with its `virsh # ` prompt lines removed. Errors come on standard error,
/// merged into the same pipe in order, as `error:` lines. The process is started on first use
/// and again after it died or was killed at a timeout.
///
/// All state is touched on one serial queue: a call waits for the one before it.
public final class VirshSession: @unchecked Sendable {
    public let uri: String
    let tool: String
    let queue: DispatchQueue
    private var process: Process?
    private var input: FileHandle?
    private var output: FileHandle?
    private var buffer = Data()
    private var counter = 0

    public init(uri: String, tool: String = "/usr/bin/virsh") {
        self.uri = uri
        self.tool = tool
        queue = DispatchQueue(label: "billing.virsh")
    }

    deinit { process?.terminate() }

    /// Runs the commands in order and answers each one's output; the first command libvirt
    /// refuses stops the run and is thrown, with the commands after it not sent.
    public func run(_ commands: [String], timeout: TimeInterval) async throws -> [String] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.runOnQueue(commands, timeout: timeout) })
            }
        }
    }

    /// Ends the virsh process; the next call starts a new one (a new connection).
    public func close() {
        queue.sync { self.reset() }
    }

    private func runOnQueue(_ commands: [String], timeout: TimeInterval) throws -> [String] {
        var answers: [String] = []
        for command in commands {
            precondition(!command.contains("\n"), "one virsh command per line")
            try launchIfNeeded()
            counter += 1
            let marker = "@@billing-\(counter)@@"
            let echo = "echo '@@bil''ling-\(counter)@@'"
            do {
                try input?.write(contentsOf: Data("\(command)\n\(echo)\n".utf8))
            } catch {
                reset()
                throw LibvirtFailure(description: "virsh (\(uri)) stopped reading commands", isPermanent: false)
            }
            let raw = try read(until: marker, timeout: timeout)
            let (answer, errors) = Self.split(raw)
            if !errors.isEmpty {
                let text = errors.joined(separator: " ")
                let transient = Self.transientSigns.contains { text.localizedCaseInsensitiveContains($0) }
                if transient { reset() }
                throw LibvirtFailure(
                    description: "libvirt (\(uri)) refused \(command.split(separator: " ").first ?? ""): \(text)", isPermanent: !transient)
            }
            answers.append(answer)
        }
        return answers
    }

    /// What says the host did not answer (worth a retry), as opposed to a command libvirt
    /// refused, which gets the same answer when repeated.
    static let transientSigns = [
        "failed to connect", "unable to connect", "Cannot recv data", "End of file while reading", "no connection to driver",
        "not connected"
    ]

    /// A command's answer without the prompt lines, and its `error:` lines.
    static func split(_ raw: String) -> (answer: String, errors: [String]) {
        var kept: [Substring] = []
        var errors: [String] = []
        for line in raw.split(separator: "\n", omittingEmptySubsequences: false) {
            // A prompt may follow output that did not end its line: cut from the prompt on.
            let text = line.range(of: "virsh # ").map { line[..<$0.lowerBound] } ?? line
            if line.contains("virsh # "), text.isEmpty { continue }
            if text.hasPrefix("error:") {
                errors.append(String(text.dropFirst(6).trimmingCharacters(in: .whitespaces)))
            } else {
                kept.append(text)
            }
        }
        return (kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines), errors)
    }

    private func launchIfNeeded() throws {
        if let process, process.isRunning { return }
        reset()
        // A write to a virsh that just died must fail with EPIPE, not end the whole server.
        signal(SIGPIPE, SIG_IGN)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-q", "-c", uri]
        // English answers whatever the server's locale, so they can be read.
        process.environment = ProcessInfo.processInfo.environment.merging(["LC_ALL": "C", "LANG": "C"]) { $1 }
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        do { try process.run() } catch {
            throw LibvirtFailure(description: "virsh did not start: \(error)", isPermanent: false)
        }
        self.process = process
        input = stdin.fileHandleForWriting
        output = stdout.fileHandleForReading
    }

    private func read(until marker: String, timeout: TimeInterval) throws -> String {
        let wanted = Data(marker.utf8)
        let process = self.process
        let finished = Finished()
        // A host that does not answer: the process is killed, the read below sees the end.
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            if !finished.value, let process, process.isRunning { process.terminate() }
        }
        defer { finished.value = true }
        while true {
            if let range = buffer.range(of: wanted) {
                let chunk = buffer[buffer.startIndex..<range.lowerBound]
                buffer.removeSubrange(buffer.startIndex..<range.upperBound)
                return String(decoding: chunk, as: UTF8.self)
            }
            let data = output?.availableData ?? Data()
            if data.isEmpty {
                let seen = String(decoding: buffer, as: UTF8.self)
                reset()
                let (_, errors) = Self.split(seen)
                throw LibvirtFailure(
                    description:
                        "virsh (\(uri)) ended without answering: \(errors.isEmpty ? "no answer in \(Int(timeout)) s" : errors.joined(separator: " "))",
                    isPermanent: false)
            }
            buffer.append(data)
        }
    }

    private func reset() {
        if let process, process.isRunning { process.terminate() }
        try? input?.close()
        process = nil
        input = nil
        output = nil
        buffer = Data()
    }

    /// Set once the read is over, read by the timer that would otherwise kill the process.
    private final class Finished: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false
        var value: Bool {
            get { lock.withLock { done } }
            set { lock.withLock { done = newValue } }
        }
    }
}
