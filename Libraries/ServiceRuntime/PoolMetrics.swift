import CoreMetrics
import Postgres
import ServiceLifecycle

/// Samples the service's database pool every few seconds into
/// `imageswiss_db_pool_connections{service, state}` and `imageswiss_db_pool_waiters{service}`:
/// a pool always full with callers waiting is a database too slow or a pool too small.
struct PoolMetrics: Service {
    let pool: PostgresPool
    let service: String
    var interval: Duration = .seconds(5)

    func run() async throws {
        let inUse = Gauge(
            label: PlatformMetrics.poolConnections, dimensions: [("service", service), ("state", "in_use")])
        let idle = Gauge(label: PlatformMetrics.poolConnections, dimensions: [("service", service), ("state", "idle")])
        let waiters = Gauge(label: PlatformMetrics.poolWaiters, dimensions: [("service", service)])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let usage = self.pool.usage
            inUse.record(usage.open - usage.idle)
            idle.record(usage.idle)
            waiters.record(usage.waiting)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
