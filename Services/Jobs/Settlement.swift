import Foundation
import ImageSwissProtos
import Logging
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

    static func options(for owner: String, timeout: Duration = .seconds(10)) -> RPCCallOptions {
        RPCCallOptions(timeout: timeout, metadata: [RPCMetadata.callerID: owner, RPCMetadata.callerRole: "service", RPCMetadata.callerScopes: "*"])
    }

    func settle(_ jobs: [Unsettled]) async {
        await withTaskGroup(of: Void.self) { group in
            for job in jobs { group.addTask { await self.settle(job) } }
        }
    }

    func settle(_ job: Unsettled) async {
        do {
            if job.capture {
                var request = BillingCaptureRequest()
                request.holdID = job.holdID
                request.amount = job.amount
                request.idempotencyKey = "job:\(job.id.uuidString.lowercased()):\(job.holdID):capture"
                _ = try await self.billing.unary(BillingMethods.capture, request, options: Self.options(for: job.ownerID))
                try await self.queue.markSettled(job.id, captured: true)
            } else {
                var request = BillingReleaseRequest()
                request.holdID = job.holdID
                request.idempotencyKey = "job:\(job.id.uuidString.lowercased()):\(job.holdID):release"
                _ = try await self.billing.unary(BillingMethods.release, request, options: Self.options(for: job.ownerID))
                try await self.queue.markSettled(job.id, captured: false)
            }
        } catch let error as RPCError where error.detail(CommonErrorInfo.self)?.reason == "hold_resolved" {
            // The hold ended without us: Billing expired it (the job outlived BILLING_HOLD_TTL_S). The
            // user was not charged; say so on the job rather than retrying forever.
            self.logger.error("hold resolved before settlement", metadata: ["job": "\(job.id)", "error": "\(error.message)"])
            try? await self.queue.markSettled(job.id, captured: false, note: job.capture ? "not charged: \(error.message)" : nil)
        } catch {
            // Billing unreachable: the settler tries again.
            self.logger.warning("settlement deferred", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }
}
