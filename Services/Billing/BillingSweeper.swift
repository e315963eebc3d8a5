import Logging
import ServiceLifecycle
import ServiceRuntime

/// Every BILLING_SWEEP_INTERVAL_MS: releases holds past their time, expires lots past theirs,
/// renews subscriptions whose period ended, ends Stripe subscriptions past due beyond the grace.
/// Each change is its own transaction, so a crash in the middle leaves every account consistent and
/// the next sweep finishes the work.
struct BillingSweeper: Service {
    let billing: BillingService
    let logger: Logger

    func run() async throws {
        await repeatUntilShutdown(
            every: self.billing.configuration.sweepInterval, logger: self.logger, level: .error,
            failure: "billing sweep failed"
        ) {
            let holds = try await self.billing.expireHolds()
            let renewals = try await self.billing.renewSubscriptions()
            let lapsed = try await self.billing.endLapsedDunning()
            let lots = try await self.billing.ledger.expireLots(self.billing.database)
            if holds + renewals + lapsed + lots > 0 {
                self.logger.info(
                    "billing sweep",
                    metadata: [
                        "expired_holds": "\(holds)", "renewals": "\(renewals)", "ended_past_due": "\(lapsed)",
                        "expired_lots": "\(lots)",
                    ])
            }
        }
    }
}
