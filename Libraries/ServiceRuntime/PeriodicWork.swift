import Logging
import ServiceLifecycle

/// Runs `round` again and again until the service is cancelled or asked to stop, sleeping
/// `interval` after each round. A round that throws is logged at `level` with `failure` and the
/// next round runs as usual: a background loop (sweeps, outboxes) retries by running again, not by
/// stopping its service. The sleep ends early on graceful shutdown, so a long interval does not
/// hold up SIGTERM.
public func repeatUntilShutdown(
    every interval: Duration, logger: Logger, level: Logger.Level = .warning, failure: Logger.Message,
    _ round: () async throws -> Void
) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        do {
            try await round()
        } catch {
            logger.log(level: level, failure, metadata: ["error": "\(error)"])
        }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }
}
