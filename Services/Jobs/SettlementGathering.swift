import Synchronization

/// Gathers the settlements of finished runs for a moment (JOBS_SETTLE_WINDOW_MS) and sends them
/// together: one SettleHolds call per owner and one `markSettled` statement for every job that
/// finished meanwhile, instead of one of each per job.
///
/// Nothing is lost by waiting: a finished job's row already says `capture_pending` or
/// `release_pending` (written with its final status), so a crash inside the window leaves the
/// settler (JobsSweeper) a record to finish from, as any other interrupted settlement does.
final class SettlementGathering: Sendable {
    private struct Pending {
        var jobs: [Unsettled] = []
        var scheduled = false
    }

    let settlement: Settlement
    let window: Duration
    private let pending = Mutex(Pending())

    init(settlement: Settlement, window: Duration) {
        self.settlement = settlement
        self.window = window
    }

    /// Settles `jobs` with whatever else finishes within the window (at once when the window is 0).
    func add(_ jobs: [Unsettled]) {
        guard !jobs.isEmpty else { return }
        guard self.window > .zero else {
            Task { await self.settlement.settle(jobs) }
            return
        }
        let first = self.pending.withLock { pending in
            pending.jobs += jobs
            defer { pending.scheduled = true }
            return !pending.scheduled
        }
        guard first else { return }
        Task {
            try? await Task.sleep(for: self.window)
            let gathered = self.pending.withLock { pending in
                defer { pending = Pending() }
                return pending.jobs
            }
            await self.settlement.settle(gathered)
        }
    }
}
