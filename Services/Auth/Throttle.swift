import Postgres

/// Sign-in throttling by account and by client address. Each failure within the window counts;
/// from the threshold on, every further failure locks the key for twice as long as the last
/// (base, 2×base, 4×base … up to the maximum). A success clears the account's count.
struct Throttle: Sendable {
    let database: PostgresPool
    let configuration: AuthConfiguration

    static func accountKey(_ email: String) -> String { "account:\(email)" }
    static func addressKey(_ address: String) -> String { "ip:\(address)" }

    /// True when any of the keys is locked now.
    func isLocked(_ keys: [String]) async throws -> Bool {
        let rows = try await self.database.query(
            "SELECT 1 FROM throttles WHERE key = ANY($1::text[]) AND locked_until > now() LIMIT 1",
            [PostgresTextArray.literal(keys)]
        )
        return !rows.isEmpty
    }

    /// Counts a failure against each key and locks those past their threshold.
    func recordFailure(account: String, address: String) async throws {
        for (key, threshold) in [
            (Self.accountKey(account), self.configuration.accountLockoutThreshold),
            (Self.addressKey(address), self.configuration.ipLockoutThreshold),
        ] {
            let failures =
                try await self.database.query(
                    """
                    INSERT INTO throttles (key, failures, last_failure) VALUES ($1, 1, now())
                    ON CONFLICT (key) DO UPDATE SET
                        failures = CASE WHEN throttles.last_failure < now() - make_interval(secs => $2) THEN 1
                                        ELSE throttles.failures + 1 END,
                        last_failure = now()
                    RETURNING failures
                    """, [key, Int(self.configuration.failureWindow.seconds)]
                ).first?.decode("failures", as: Int.self) ?? 0
            guard failures >= threshold else { continue }
            let doublings = min(failures - threshold, 20)
            let lock = min(
                self.configuration.lockoutBase.seconds << Int64(doublings), self.configuration.lockoutMax.seconds)
            try await self.database.execute(
                "UPDATE throttles SET locked_until = now() + make_interval(secs => $2) WHERE key = $1",
                [key, Int(lock)]
            )
        }
    }

    func clear(account: String) async throws {
        try await self.database.execute("DELETE FROM throttles WHERE key = $1", [Self.accountKey(account)])
    }
}
