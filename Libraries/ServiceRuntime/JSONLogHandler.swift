import Foundation
import Logging
import Telemetry

/// `LOG_FORMAT=json`: one JSON object per line on standard error — time, level, service (the
/// logger's label), message, then the metadata (request-id, job-id, …) as string fields — for log
/// collectors; keys as LogKeys names them. Text, one line per event, stays the default.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    private static let lock = NSLock()
    /// Used under `lock` only.
    nonisolated(unsafe) private static let formatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in self.metadata.merging(self.metadataProvider?.get() ?? [:], uniquingKeysWith: { $1 })
            .merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        {
            fields[LogKeys.written(key)] = "\(value)"
        }
        if let error = event.error {
            fields["error.message"] = "\(error)"
            fields["error.type"] = String(reflecting: type(of: error))
        }
        // Logged inside a traced request, call or job: the line names its trace.
        if let trace = Telemetry.current { fields["trace-id"] = trace.traceID }
        Self.lock.lock()
        defer { Self.lock.unlock() }
        fields["time"] = Self.formatter.string(from: Date())
        fields["level"] = event.level.rawValue
        fields["service"] = self.label
        fields["message"] = event.message.description
        guard var line = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return }
        line.append(0x0A)
        FileHandle.standardError.write(line)
    }
}
