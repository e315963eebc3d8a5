import Foundation
import ImageSwissProtos
import Logging
import Postgres
import RPC
import ServiceLifecycle
import ServiceRuntime

/// The queue's housekeeping, every JOBS_SWEEP_INTERVAL_MS in every Jobs process (each statement
/// skips rows another process is handling): runs whose worker died go back to the queue, queued
/// jobs past their deadline expire, final jobs whose credits Billing has not heard about yet are
/// settled, Billing's low-balance events become `credits.low` webhook deliveries (and, with failed
/// payments, receipts and ending subscriptions, notices for NoticeSender), and the queue
/// table is vacuumed when it needs it (`JobQueue.vacuum`).
struct JobsSweeper: Service {
    let queue: JobQueue
    let settlement: Settlement
    let billing: RPCClient
    let database: PostgresPool
    let interval: Duration
    let queueVacuumDeadRows: Int
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(every: self.interval, logger: self.logger, failure: "sweep failed") {
            let reaped = try await self.queue.reapExpiredLeases()
            let expired = try await self.queue.expireOverdue()
            await self.settlement.settle(reaped + expired)
            await self.settlement.settle(try await self.queue.unsettled(olderThan: .seconds(2)))
            try await self.readBillingEvents()
            if self.queueVacuumDeadRows > 0 { try await self.queue.vacuum(ifDeadRowsExceed: self.queueVacuumDeadRows) }
        }
    }

    /// Billing's events its owner is told about, by the notification kind they become.
    static let noticeKinds = [
        "low_balance": "credits_low", "payment_failed": "payment_failed", "receipt": "receipt",
        "subscription_ending": "subscription_ending",
    ]

    /// Billing's event feed from where Jobs left off; the cursor moves with the deliveries it wrote.
    private func readBillingEvents() async throws {
        let position: Int64 =
            try await self.database.query("SELECT position FROM feed_cursors WHERE name = 'billing'").first?.decode(
                "position") ?? 0
        var request = BillingListEventsRequest()
        request.afterEventID = position
        request.limit = 200
        let events = try await self.billing.unary(BillingMethods.listEvents, request, options: Settlement.asJobs).events
        guard let last = events.last else { return }
        try await self.database.transaction { session in
            // Two sweepers at once: the cursor row serialises them, and a stale one changes nothing.
            let moved = try await session.execute(
                """
                INSERT INTO feed_cursors (name, position) VALUES ('billing', $2) ON CONFLICT (name) DO UPDATE SET position = $2
                WHERE feed_cursors.position = $1
                """, [position, last.eventID])
            guard moved == 1 else { return }
            for event in events where event.kind == "low_balance" {
                try await session.execute(
                    "SELECT jobs_enqueue_deliveries($1, 'credits.low', jsonb_build_object('balance', $2::bigint))",
                    [event.accountID, event.balance])
            }
            for event in events {
                guard let kind = Self.noticeKinds[event.kind] else { continue }
                var params = event.detail
                params["balance"] = "\(event.balance)"
                try await session.execute(
                    """
                    INSERT INTO notices (owner_id, kind, event_key, params)
                    VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (event_key) DO NOTHING
                    """,
                    [
                        event.accountID, kind, "billing-event:\(event.eventID)",
                        try PostgresJSON.text(params),
                    ])
            }
        }
    }
}
