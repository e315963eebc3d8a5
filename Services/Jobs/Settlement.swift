import Foundation
import ImageSwissProtos
import Logging
import Postgres
import RPC

/// Tells Billing how a job ended: capture its hold on success, release it otherwise.
///
/// The job's row says `capture_pending` or `release_pending` from the moment it became final (same
/// transaction), so a crash anywhere leaves a record to finish from. The idempotency keys are derived
/// from the job id, and a hold resolves once in Billing: however many times this runs for a job
/// (inline, then the settler after a crash), the credits move exactly once.
struct Settlement: Sendable {
    let billing: RPCClient
    let queue: JobQueue
    let logger: Logger

    /// Jobs itself, as a service: reading Billing's events, handing notices to Auth.
    static let asJobs = options(for: "jobs", timeout: .seconds(5))

    /// Acting for `owner`, as a service.
    static func options(for owner: String, timeout: Duration = .seconds(10)) -> RPCCallOptions {
        RPCCallOptions(
            timeout: timeout,
            metadata: [RPCMetadata.callerID: owner, RPCMetadata.callerRole: "service", RPCMetadata.callerScopes: "*"])
    }

    /// Holds per PlaceHolds / SettleHolds call (Billing's BILLING_MAX_BATCH is 200 by default).
    static let holdsPerCall = 100

    /// Settles jobs in one SettleHolds call per payer and chunk; what Billing could not be asked
    /// stays pending for the settler.
    func settle(_ jobs: [Unsettled]) async {
        await withTaskGroup(of: Void.self) { group in
            for (payer, jobs) in Dictionary(grouping: jobs, by: \.payerID) {
                for chunk in jobs.chunks(of: Self.holdsPerCall) {
                    group.addTask { await self.settle(Array(chunk), payer: payer) }
                }
            }
        }
    }

    private func settle(_ jobs: [Unsettled], payer: String) async {
        var request = BillingSettleHoldsRequest()
        request.items = jobs.map(Self.settlement)
        let outcomes: [BillingHoldOutcome]
        do {
            outcomes = try await self.billing.unary(
                BillingMethods.settleHolds, request, options: Self.options(for: payer)
            ).outcomes
        } catch {
            // Billing unreachable: the settler tries again.
            self.logger.warning("settlement deferred", metadata: ["jobs": "\(jobs.count)", "error": "\(error)"])
            return
        }
        var settled: [(id: UUID, captured: Bool, note: String?)] = []
        for (job, outcome) in zip(jobs, outcomes) {
            if !outcome.hasRefusal {
                settled.append((job.id, job.capture, nil))
            } else if outcome.refusal.reason == "hold_resolved" {
                // The hold ended without us: Billing expired it (the job outlived BILLING_HOLD_TTL_S). The
                // user was not charged; say so on the job rather than retrying forever.
                self.logger.error(
                    "hold resolved before settlement",
                    metadata: ["job": "\(job.id)", "error": "\(outcome.refusal.message)"])
                settled.append((job.id, false, job.capture ? "not charged: \(outcome.refusal.message)" : nil))
            } else {
                self.logger.warning(
                    "settlement deferred", metadata: ["job": "\(job.id)", "error": "\(outcome.refusal.message)"])
            }
        }
        do {
            try await self.queue.markSettled(settled)
        } catch {
            // Billing has settled them; marking again later replays the same answers.
            self.logger.warning("settlement not recorded", metadata: ["jobs": "\(settled.count)", "error": "\(error)"])
        }
    }

    /// A job's capture or release, its idempotency key derived from the job and its hold.
    private static func settlement(_ job: Unsettled) -> BillingSettlement {
        var item = BillingSettlement()
        let key = "job:\(job.id.lowercasedText):\(job.holdID)"
        if job.capture {
            var capture = BillingCaptureRequest()
            capture.holdID = job.holdID
            capture.amount = job.amount
            capture.idempotencyKey = key + ":capture"
            item.capture = capture
        } else {
            var release = BillingReleaseRequest()
            release.holdID = job.holdID
            release.idempotencyKey = key + ":release"
            item.release = release
        }
        return item
    }
}

extension Array {
    /// The elements in consecutive pieces of at most `size` (one call's worth each).
    func chunks(of size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: self.count, by: size).map { self[$0..<Swift.min($0 + size, self.count)] }
    }
}
