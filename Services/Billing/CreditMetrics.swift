import CoreMetrics
import ImageSwissProtos
import ServiceRuntime

/// `imageswiss_billing_credits_total{movement}`: credits held, captured and released, counted from
/// the holds Billing answers. A replayed call (the same idempotency key) is counted again: the
/// ledger, not this counter, is the account of record.
enum CreditMetrics {
    static let heldCounter = Counter(label: PlatformMetrics.credits, dimensions: [("movement", "held")])
    static let capturedCounter = Counter(label: PlatformMetrics.credits, dimensions: [("movement", "captured")])
    static let releasedCounter = Counter(label: PlatformMetrics.credits, dimensions: [("movement", "released")])

    static func held(_ hold: BillingHold) -> BillingHold {
        heldCounter.increment(by: hold.amount)
        return hold
    }

    /// A captured hold releases what it did not capture; a released or expired one releases all.
    static func settled(_ hold: BillingHold) -> BillingHold {
        switch hold.state {
        case "captured":
            capturedCounter.increment(by: hold.captured)
            releasedCounter.increment(by: hold.amount - hold.captured)
        case "released", "expired":
            releasedCounter.increment(by: hold.amount)
        default:
            break
        }
        return hold
    }
}
