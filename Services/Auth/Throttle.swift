import Postgres

/// Sign-in throttling by account and by client address. Each failure within the window counts;
/// from the threshold on, every further failure locks the key for twice as long as the last
/// (base, 2×base, 4×base … up to the maximum). A success clears the account's count.
///
/// A locked account refuses every attempt. A locked address is shared by everyone behind it (an
/// office, a carrier's NAT), so it refuses only attempts on accounts that have failed themselves
/// within the window: while it is locked, the address gets at most one guess per account, and a
/// correct password for an account that has not failed is never refused because of its neighbours.
struct Throttle: Sendable {
    let database: PostgresPool
    let configuration: AuthConfiguration

    static func accountKey(_ email: String) -> String { "account:\(email)" }
    static func addressKey(_ address: String) -> String { "ip:\(address)" }

    /// True when an attempt on `account` from `address` is refused whatever its password (see above).
    func refuses(account: String, address: String) async throws -> Bool {
        let row = try await self.database.query(
            """
            SELECT coalesce(bool_or(key = $1 AND locked_until > now()), false) AS account_locked,
                   coalesce(bool_or(key = $2 AND locked_until > now()), false) AS address_locked,
                   coalesce(bool_or(key = $1 AND last_failure > now() - make_interval(secs => $3)), false)
                       AS account_failed
            FROM throttles WHERE key IN ($1, $2)
            """, [Self.accountKey(account), Self.addressKey(address), Int(self.configuration.failureWindow.seconds)]
        ).first
        let accountLocked = try row?.decode("account_locked", as: Bool.self) ?? false
        let addressLocked = try row?.decode("address_locked", as: Bool.self) ?? false
        let accountFailed = try row?.decode("account_failed", as: Bool.self) ?? false
        return accountLocked || (addressLocked && accountFailed)
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
