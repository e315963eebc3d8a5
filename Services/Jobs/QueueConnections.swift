import Postgres
import ServiceLifecycle

/// The connections the worker loops claim jobs and record their ends through: pools of their own,
/// whose sessions plan each prepared statement once (docs/performance.md, Jobs, session 13).
///
/// PostgreSQL planned the claim afresh on every run (its custom plans, which know the window's and
/// the limit's values, look cheaper than a generic plan that does not): a third of a millisecond a
/// claim; planned once, the no-op drain's median rose from 6,061 to 7,667 jobs/s. On these
/// connections:
/// - `plan_cache_mode = force_generic_plan`: a claim or a completion is planned once per connection
///   (and again after each ANALYZE of the tables it reads).
/// - `enable_seqscan` and `enable_sort` off: that one plan is made from the statistics of its moment,
///   and on an empty or never analyzed queue a scan of the whole table and a sort look cheapest; it
///   would then serve a queue of 150,000 jobs. Off, the planner keeps to the indexes whatever the
///   statistics say (the statements are written for them).
/// - `jit` off: a plan node the two settings above rule out still costs 10^10, far above
///   `jit_above_cost`, and PostgreSQL then compiled the claim on every run (250 ms each).
///
/// Claims commit without waiting for the disk (`synchronous_commit = off`, their pool only): a claim
/// lost in a crash of PostgreSQL leaves its jobs queued, as a worker that died would, and they run
/// again (the run's end, written durably, cannot be recorded against a claim that is gone). Any
/// durable commit after it — the run's end among them — also makes the claim durable, since the
/// log is written in order. Ends, and everything else, wait for the disk as usual.
///
/// Everything else — handlers, the sweeper, the settler — uses the service's main pool and
/// PostgreSQL's usual planning.
struct QueueConnections: Sendable {
    static let sessionSettings = [
        "plan_cache_mode": "force_generic_plan",
        "enable_seqscan": "off",
        "enable_sort": "off",
        "jit": "off",
    ]

    /// Where the loops claim: one connection each.
    let claims: PostgresPool
    /// Where the loops write their runs' ends: one connection each, beside the claims.
    let ends: PostgresPool

    var pools: [PostgresPool] { [self.claims, self.ends] }

    init(beside database: PostgresPool, workers: Int) {
        var claimSettings = Self.sessionSettings
        claimSettings["synchronous_commit"] = "off"
        self.claims = database.companion(poolSize: max(1, workers), sessionSettings: claimSettings)
        self.ends = database.companion(poolSize: max(1, workers), sessionSettings: Self.sessionSettings)
    }
}

/// Closes pools once the services listed after it have stopped: a ServiceGroup stops its services
/// in reverse order, each once the one after it has returned.
final class PoolCloser: Service, Sendable {
    let pools: [PostgresPool]

    init(_ pools: [PostgresPool]) { self.pools = pools }

    func run() async throws {
        try? await gracefulShutdown()
        for pool in self.pools { await pool.close() }
    }
}
