import Foundation
import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// What users and admins read: balances, the transaction history, events and admin reports.
extension BillingService {
    func balance(_ caller: RPCCaller) async throws -> BillingBalance {
        try await self.database.transaction { session in
            let (total, held) = try await self.ledger.lockAccount(session, caller.id, kind: caller.accountKind)
            var balance = BillingBalance()
            balance.accountID = caller.id
            balance.total = total
            balance.held = held
            balance.available = try await self.ledger.available(session, caller.id)
            let row = try await session.query(
                """
                SELECT s.tier, t.daily_cap,
                       (SELECT CASE WHEN spent_day = (now() AT TIME ZONE 'UTC')::date THEN spent_amount ELSE 0 END
                          FROM accounts WHERE account_id = $1)::bigint AS today,
                       (SELECT (extract(epoch FROM min(expires_at)) * 1000000)::bigint FROM lots
                          WHERE account_id = $1 AND remaining > 0 AND expires_at > now()) AS next_us
                FROM subscriptions s JOIN tiers t ON t.id = s.tier WHERE s.account_id = $1
                """, [caller.id]
            ).first!
            balance.tier = try row.decode("tier")
            balance.dailyCap = try row.decode("daily_cap")
            balance.spentToday = try row.decode("today")
            if let next = try row.decodeIfPresent("next_us", as: Int64.self) {
                balance.nextExpiry = .micros(next)
                balance.expiringCredits = try await session.query(
                    """
                    SELECT coalesce(sum(remaining), 0)::bigint AS n FROM lots
                    WHERE account_id = $1 AND remaining > 0 AND expires_at = to_timestamp($2::double precision / 1e6)
                    """, [caller.id, next]
                ).first!.decode("n")
            }
            return balance
        }
    }

    func history(_ caller: RPCCaller, _ request: BillingHistoryRequest) async throws -> BillingHistoryResponse {
        let size = request.page.pageSize == 0 ? 50 : Int(request.page.pageSize)
        guard size <= 200 else { throw failure.invalid("page_size", "at most 200") }
        var conditions = ["account_id = $1"]
        var parameters = PostgresParameters([caller.id])
        if !request.kind.isEmpty { conditions.append("kind = \(parameters.bind(request.kind))") }
        if request.hasAfter {
            conditions.append(
                "created_at > to_timestamp(\(parameters.bind(request.after.unixMicros))::double precision / 1e6)")
        }
        if request.hasBefore {
            conditions.append(
                "created_at < to_timestamp(\(parameters.bind(request.before.unixMicros))::double precision / 1e6)")
        }
        if !request.page.pageToken.isEmpty {
            guard let id = Int64(request.page.pageToken) else {
                throw failure.invalid("page_token", "not a page token this service gave")
            }
            conditions.append("id < \(parameters.bind(id))")
        }
        let rows = try await self.database.query(
            """
            SELECT id, amount, kind, operation, reference, balance_after, (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
            FROM ledger_entries WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(size + 1)
            """, parameters.values)
        var response = BillingHistoryResponse()
        response.entries = try rows.prefix(size).map { row in
            var entry = BillingEntry()
            entry.entryID = try row.decode("id")
            entry.amount = try row.decode("amount")
            entry.kind = try row.decode("kind")
            entry.operation = try row.decode("operation")
            entry.reference = try row.decode("reference")
            entry.balanceAfter = try row.decode("balance_after")
            entry.createdAt = .micros(try row.decode("created_us"))
            return entry
        }
        if rows.count > size, let last = response.entries.last { response.page.nextPageToken = "\(last.entryID)" }
        return response
    }

    /// Admin: promotional credits or a refund for an account that uses Billing.
    func grant(_ caller: RPCCaller, _ request: BillingGrantRequest) async throws -> BillingEntry {
        try self.requireAdmin(caller)
        try self.checkAmount(request.amount)
        guard request.source == "promotional" || request.source == "refund" else {
            throw failure.invalid("source", "source is promotional or refund")
        }
        return try await self.idempotency.run(
            caller: caller.id, method: "Grant", key: request.idempotencyKey, request: request
        ) { session in
            guard try await self.ledger.exists(session, request.accountID.lowercased()) else {
                throw failure.notFound("account")
            }
            let account = request.accountID.lowercased()
            try await self.ledger.lockAccount(session, account)
            let expires: Int64? =
                request.expiresInSeconds == 0
                ? nil
                : Int64(Date().timeIntervalSince1970 * 1e6) + Int64(clamping: request.expiresInSeconds) * 1_000_000
            return try await self.ledger.grant(
                session, account, amount: request.amount, source: request.source, expiresMicros: expires,
                reference: request.reference.isEmpty ? "granted by \(caller.id)" : request.reference)
        }
    }

    /// Admin: revenue by day, credits issued by kind and spent by operation, top accounts.
    func report(_ caller: RPCCaller, _ request: BillingReportRequest) async throws -> BillingReport {
        try self.requireAdmin(caller)
        let from =
            request.hasFrom
            ? request.from.unixMicros : Int64(Date().addingTimeInterval(-30 * 86_400).timeIntervalSince1970 * 1e6)
        let to =
            request.hasTo ? request.to.unixMicros : Int64(Date().addingTimeInterval(86_400).timeIntervalSince1970 * 1e6)
        let limit = request.limit == 0 ? 10 : min(Int(request.limit), 100)
        let range =
            "created_at >= to_timestamp($1::double precision / 1e6) AND created_at < to_timestamp($2::double precision / 1e6)"
        var report = BillingReport()
        report.revenue = try await self.database.query(
            """
            SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, sum(amount_cents)::bigint AS cents,
                   count(*) AS n, sum(credits)::bigint AS credits
            FROM receipts WHERE \(range) GROUP BY 1 ORDER BY 1
            """, [from, to]
        ).map { row in
            var day = BillingRevenueDay()
            day.day = try row.decode("day")
            day.amountCents = try row.decode("cents")
            day.purchases = try row.decode("n")
            day.creditsSold = try row.decode("credits")
            return day
        }
        for row in try await self.database.query(
            "SELECT kind, sum(amount)::bigint AS n FROM ledger_entries WHERE amount > 0 AND \(range) GROUP BY kind",
            [from, to]
        ) {
            report.creditsIssued[try row.decode("kind")] = try row.decode("n")
        }
        report.spentByOperation = try await self.database.query(
            """
            SELECT operation, (-sum(amount))::bigint AS credits, count(*) AS n FROM ledger_entries
            WHERE kind = 'spend' AND \(range) GROUP BY operation ORDER BY 2 DESC
            """, [from, to]
        ).map { row in
            var usage = BillingOperationUsage()
            usage.operation = try row.decode("operation")
            usage.creditsSpent = try row.decode("credits")
            usage.spends = try row.decode("n")
            return usage
        }
        report.topAccounts = try await self.database.query(
            """
            SELECT e.account_id, (-sum(e.amount))::bigint AS credits,
                   (SELECT coalesce(sum(amount_cents), 0) FROM receipts r WHERE r.account_id = e.account_id AND r.\(range))::bigint AS cents
            FROM ledger_entries e WHERE e.kind = 'spend' AND e.\(range) GROUP BY e.account_id ORDER BY 2 DESC LIMIT \(limit)
            """, [from, to]
        ).map { row in
            var total = BillingAccountTotal()
            total.accountID = try row.decode("account_id")
            total.creditsSpent = try row.decode("credits")
            total.amountCents = try row.decode("cents")
            return total
        }
        let paying = try await self.database.query(
            """
            SELECT coalesce(sum(CASE WHEN s.billing_interval = 'year' THEN t.annual_price_cents / 12 ELSE t.price_cents END), 0)::bigint AS mrr,
                   count(*) AS n
            FROM subscriptions s JOIN tiers t ON t.id = s.tier WHERE t.price_cents > 0
            """, []
        ).first!
        report.mrrCents = try paying.decode("mrr")
        report.payingSubscribers = try paying.decode("n")
        let activity = try await self.database.query(
            """
            SELECT (SELECT count(DISTINCT account_id) FROM ledger_entries WHERE kind = 'spend' AND \(range)) AS active,
                   (SELECT coalesce(sum(amount_cents) / nullif(count(DISTINCT account_id), 0), 0)::bigint FROM receipts
                    WHERE \(range)) AS arpu
            """, [from, to]
        ).first!
        report.activeAccounts = try activity.decode("active")
        report.arpuCents = try activity.decode("arpu")
        // Churn: paid subscriptions that ended (the account went to a free tier) in the period, and
        // their share of those paying at its start (still paying now, or churned in it).
        let churn = try await self.database.query(
            """
            SELECT count(DISTINCT c.account_id) AS n FROM subscription_changes c
            JOIN tiers f ON f.id = c.from_tier JOIN tiers t ON t.id = c.to_tier
            WHERE f.price_cents > 0 AND t.price_cents = 0
              AND c.changed_at >= to_timestamp($1::double precision / 1e6) AND c.changed_at < to_timestamp($2::double precision / 1e6)
            """, [from, to]
        ).first!
        report.churnedSubscribers = try churn.decode("n")
        let base = report.churnedSubscribers + report.payingSubscribers
        report.churnBasisPoints = base == 0 ? 0 : report.churnedSubscribers * 10_000 / base
        for row in try await self.database.query("SELECT tier, count(*) AS n FROM subscriptions GROUP BY tier", []) {
            report.tierMix[try row.decode("tier")] = try row.decode("n")
        }
        return report
    }

    /// The caller's credits spent per day and operation over the last 7, 30 or 90 days.
    func usage(_ caller: RPCCaller, _ request: BillingUsageRequest) async throws -> BillingUsage {
        let days = request.days == 0 ? UsagePeriods.defaultDays : request.days
        guard UsagePeriods.days.contains(days) else { throw failure.invalid("days", "days is 7, 30 or 90") }
        var usage = BillingUsage()
        usage.days = days
        usage.lines = try await self.database.query(
            """
            SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, operation,
                   (-sum(amount))::bigint AS credits, count(*) AS charges
            FROM ledger_entries
            WHERE account_id = $1 AND kind = 'spend' AND created_at >= now() - make_interval(days => $2)
            GROUP BY 1, 2 ORDER BY 1, 2
            """, [caller.id, Int(days)]
        ).map { row in
            var line = BillingUsageLine()
            (line.day, line.operation) = (try row.decode("day"), try row.decode("operation"))
            (line.creditsSpent, line.charges) = (try row.decode("credits"), try row.decode("charges"))
            return line
        }
        usage.totalCredits = usage.lines.reduce(0) { $0 + $1.creditsSpent }
        usage.totalCharges = usage.lines.reduce(0) { $0 + $1.charges }
        return usage
    }

    /// Events after an id (low balance, failed payments, receipts), for notifications (internal
    /// services and admins).
    func events(_ caller: RPCCaller, _ request: BillingListEventsRequest) async throws -> BillingListEventsResponse {
        guard caller.role == "admin" || caller.role == "service" else { throw failure.adminOnly }
        let limit = request.limit == 0 ? 100 : min(Int(request.limit), 1000)
        var response = BillingListEventsResponse()
        response.events = try await self.database.query(
            """
            SELECT id, account_id, kind, balance, detail::text AS detail,
                (extract(epoch FROM created_at) * 1000000)::bigint AS created_us
            FROM events WHERE id > $1 ORDER BY id LIMIT \(limit)
            """, [request.afterEventID]
        ).map { row in
            var event = BillingBillingEvent()
            event.eventID = try row.decode("id")
            event.accountID = try row.decode("account_id")
            event.kind = try row.decode("kind")
            event.balance = try row.decode("balance")
            event.createdAt = .micros(try row.decode("created_us"))
            event.detail = try row.decodeJSON("detail", as: [String: String].self)
            return event
        }
        return response
    }
}
