import Logging
import Postgres
import ServiceLifecycle

/// Idempotency keys are kept `lifetime` (`<SERVICE>_IDEMPOTENCY_KEY_TTL_S`, a day by default), then
/// forgotten: a retry within the day gets the first answer; the same key after it is a new request.
/// Every service whose database has an `idempotency_keys` table prunes it in the background
/// (`<SERVICE>_IDEMPOTENCY_PRUNE_INTERVAL_MS`, 10 minutes), a bounded batch per round.
struct IdempotencyPruning: Service {
    static let batch = 5_000
    let pool: PostgresPool
    let lifetime: Duration
    let interval: Duration
    let logger: Logger

    init(pool: PostgresPool, configuration: ServiceConfiguration, logger: Logger) throws {
        self.pool = pool
        self.lifetime = .seconds(try configuration.int("IDEMPOTENCY_KEY_TTL_S", default: 86_400))
        self.interval = try configuration.milliseconds("IDEMPOTENCY_PRUNE_INTERVAL_MS", default: .seconds(600))
        self.logger = logger
    }

    /// Whether this service keeps idempotency keys in its database.
    static func applies(to pool: PostgresPool) async throws -> Bool {
        try await pool.query("SELECT to_regclass('idempotency_keys') IS NOT NULL AS present", []).first!.decode(
            "present")
    }

    func run() async throws {
        await repeatUntilShutdown(every: self.interval, logger: self.logger, failure: "idempotency key pruning failed")
        {
            let pruned = try await self.pool.execute(
                """
                DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(
                    SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1) LIMIT \(Self.batch)))
                """, [Int(self.lifetime.components.seconds)])
            if pruned > 0 { self.logger.info("idempotency keys pruned", metadata: ["count": "\(pruned)"]) }
        }
    }
}
