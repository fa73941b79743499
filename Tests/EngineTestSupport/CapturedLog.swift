import Foundation
import Logging
import NIOConcurrencyHelpers

/// A log handler that keeps every line, for tests that read what an operator would read.
public final class CapturedLog: Sendable {
    public struct Line: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: [String: String]
        public var text: String { ([message] + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ") }
    }

    private let lines = NIOLockedValueBox<[Line]>([])

    public init() {}

    public var all: [Line] { lines.withLockedValue { $0 } }

    public func logger(requestID: String) -> Logger {
        var logger = Logger(label: "test") { _ in Handler(log: self) }
        logger.logLevel = .trace
        logger[metadataKey: "request-id"] = .string(requestID)
        return logger
    }

    fileprivate func append(_ line: Line) { lines.withLockedValue { $0.append(line) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            log.append(Line(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}
