/// Polls `condition` every 100 ms until it holds; throws once `timeout` passed without it. Tests wait
/// for the event they need this way, never for a fixed time.
public func waitUntil(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let end = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < end else { throw TestSupportError("condition not met within \(timeout)") }
        try await Task.sleep(for: .milliseconds(100))
    }
}
