import Foundation
import Logging

/// The default log format (LOG_FORMAT=text), as swift-log's StreamLogHandler writes it —
/// `2026-12-07T12:13:58+0000 info imageswiss.edge: request-id=… [Edge] message` — but with the
/// metadata written out when a line is logged, not each time it changes: StreamLogHandler sorts and
/// joins all of it on every change, and every request sets a key, most of them without logging a
/// line (docs/performance.md, "Edge /me"). Keys are written as LogKeys names them.
struct TextLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    private static let lock = NSLock()

    func log(event: LogEvent) {
        var metadata = self.metadata
        if let provided = self.metadataProvider?.get(), !provided.isEmpty {
            metadata.merge(provided) { $1 }
        }
        if let explicit = event.metadata, !explicit.isEmpty { metadata.merge(explicit) { $1 } }
        if let error = event.error {
            metadata["error.message"] = "\(error)"
            metadata["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var line = "\(Self.timestamp()) \(event.level) \(self.label):"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) { line += " \(LogKeys.written(key))=\(value)" }
        line += " [\(event.source)] \(event.message)\n"
        Self.lock.lock()
        defer { Self.lock.unlock() }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Local time to the second with its offset, as StreamLogHandler writes it.
    private static func timestamp() -> String {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
