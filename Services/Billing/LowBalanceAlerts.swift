import ImageSwissProtos
import Postgres
import RPC
import ServiceRuntime

/// Each account's low-credits threshold: its own choice, or BILLING_LOW_BALANCE_THRESHOLD. The
/// ledger reads it where it decides a warning (functions/billing_settle_batch.sql).
extension BillingService {
    /// The highest threshold an account may choose.
    static let maxLowBalanceThreshold: Int64 = 1_000_000

    func lowBalanceAlert(_ caller: RPCCaller) async throws -> BillingLowBalanceAlert {
        let chosen = try await self.database.query(
            "SELECT low_balance_threshold FROM accounts WHERE account_id = $1", [caller.id]
        ).first?.decodeIfPresent("low_balance_threshold", as: Int64.self)
        var alert = BillingLowBalanceAlert()
        alert.threshold = chosen ?? self.configuration.lowBalanceThreshold
        alert.isDefault = chosen == nil
        return alert
    }

    func setLowBalanceAlert(_ caller: RPCCaller, _ request: BillingSetLowBalanceAlertRequest) async throws
        -> BillingLowBalanceAlert
    {
        guard request.useDefault || (0...Self.maxLowBalanceThreshold).contains(request.threshold) else {
            throw failure.invalid("threshold", "0 to \(Self.maxLowBalanceThreshold) credits")
        }
        try await self.database.transaction { session in
            _ = try await self.ledger.lockAccount(session, caller.id, kind: caller.accountKind)
            try await session.execute(
                "UPDATE accounts SET low_balance_threshold = $2 WHERE account_id = $1",
                [caller.id, request.useDefault ? nil : request.threshold])
        }
        return try await self.lowBalanceAlert(caller)
    }
}
