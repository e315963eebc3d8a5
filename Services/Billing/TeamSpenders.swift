import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// A team account's spending this UTC month per member, counted as billing_hold_batch counts it for
/// the members' limits: open holds at their amount, captured ones at what was taken.
extension BillingService {
    func spenders(_ caller: RPCCaller) async throws -> BillingGetSpendersResponse {
        let rows = try await self.database.query(
            """
            SELECT spender_id, sum(CASE state WHEN 'open' THEN amount WHEN 'captured' THEN captured ELSE 0 END)::bigint AS spent
            FROM holds
            WHERE account_id = $1 AND spender_id IS NOT NULL
              AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
            GROUP BY spender_id ORDER BY spender_id
            """, [caller.id])
        var response = BillingGetSpendersResponse()
        response.spenders = try rows.map { row in
            var total = BillingSpenderTotal()
            total.spenderID = try row.decode("spender_id")
            total.spentThisMonth = try row.decode("spent")
            return total
        }
        return response
    }
}
