import Synchronization

/// A header every outbound request carries, read in the caller's task when it sends: the current
/// trace's `traceparent` once Telemetry is bootstrapped (Telemetry depends on Curl, so it installs
/// the reader here rather than Curl knowing tracing). None before.
public enum CurlPropagation {
    private static let reader = Mutex<(@Sendable () -> (String, String)?)?>(nil)

    public static func install(_ header: @escaping @Sendable () -> (String, String)?) {
        self.reader.withLock { $0 = header }
    }

    static func header() -> (String, String)? { self.reader.withLock { $0 }?() }
}
