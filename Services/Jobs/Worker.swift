import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Telemetry

/// One worker loop: claims up to `workerSlots` jobs, runs them at once, and records their ends.
///
/// The loop sleeps until something happens — a `jobs_queued` notification, a run finishing, or the
/// idle poll as a safety net — then claims as many jobs as it has free slots, while one write at a
/// time records the runs that finished (those finishing during a write go together in the next:
/// completions batch themselves under load). A heartbeat renews the leases of its runs; a run whose
/// lease it lost (or whose job was canceled) is stopped. On SIGTERM it stops claiming, lets runs
/// finish for the grace period, and hands the rest back to the queue.
final class Worker: Service, Sendable {
    let name: String
    let queue: JobQueue
    let runner: JobRunner
    let settlements: SettlementGathering
    let wakeups: WakeSignal
    let configuration: JobsConfiguration
    let logger: Logger

    private struct Run {
        let job: ClaimedJob
        let task: Task<Void, Never>
    }

    private struct State {
        var runs: [UUID: Run] = [:]
        var finished: [(ClaimedJob, Result<JobOutcome, JobRunError>)] = []
        var stopped: Set<UUID> = []
        /// Finished runs whose end is being written: their rows may stop being `running` any moment.
        var recording: Set<UUID> = []
        /// The write of finished runs under way, if any: one at a time, so that ends batch up behind it.
        var recorder: Task<Void, Never>?
        var draining = false
        /// When this loop last let a claim read the queue past the head's window.
        var lastUnboundedClaim: ContinuousClock.Instant?
    }

    /// How often a loop may read past the head's window (see `ClaimStatements`) for slots that a
    /// claim of the window left free: a loop woken again and again while every waiting user is at
    /// the limit does not read every queued job each time, and a job behind a long run of a busy
    /// user's still starts within about this long.
    static let unboundedClaimInterval = Duration.seconds(1)

    /// Whether a claim may read the whole queue now (then not again for `unboundedClaimInterval`).
    private func mayReadWholeQueue() -> Bool {
        self.state.withLock { state in
            let now = ContinuousClock.now
            if let last = state.lastUnboundedClaim, now - last < Self.unboundedClaimInterval { return false }
            state.lastUnboundedClaim = now
            return true
        }
    }

    private let state = Mutex(State())

    init(
        index: Int, queue: JobQueue, runner: JobRunner, settlements: SettlementGathering, wakeups: WakeSignal,
        configuration: JobsConfiguration, logger: Logger
    ) {
        self.name = "\(configuration.workerName)#\(index)"
        self.queue = queue
        self.runner = runner
        self.settlements = settlements
        self.wakeups = wakeups
        self.configuration = configuration
        self.logger = logger
    }

    func run() async throws {
        let (events, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let subscription = self.wakeups.subscribe(signal)
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.configuration.idlePoll)
                signal.yield()
            }
        }
        let heartbeat = Task { await self.beat() }
        await withGracefulShutdownHandler {
            for await _ in events {
                if self.state.withLock({ $0.draining }) { break }
                await self.turn(signal)
            }
        } onGracefulShutdown: {
            self.state.withLock { $0.draining = true }
            signal.yield()
        }
        ticker.cancel()
        await self.drain()
        heartbeat.cancel()
        self.wakeups.unsubscribe(subscription)
        signal.finish()
    }

    /// A turn refills the free slots; the ends of finished runs are written beside it, not before it:
    /// the claim does not wait for their commit, and the write does not wait for the claim. Each
    /// waits for its commit to reach the disk; a loop that waited for both before its next claim
    /// left 20–30 % of the machine idle in a no-op drain.
    private func turn(_ signal: AsyncStream<Void>.Continuation) async {
        self.startRecording(signal)
        let (free, recording) = self.state.withLock {
            (self.configuration.workerSlots - $0.runs.count + $0.recording.count, $0.recording)
        }
        await self.claim(free: free, recording: recording, signal)
    }

    /// Starts writing the runs that finished since the last write, unless a write is under way: the
    /// ends that arrive meanwhile wait for it and go together in the next one (its end wakes the loop
    /// for them). The slots of runs being written were already claimed for (see `turn`): a write
    /// that leaves nothing waiting does not wake the loop, whose claim would find nothing new.
    private func startRecording(_ signal: AsyncStream<Void>.Continuation) {
        self.state.withLock { state in
            guard state.recorder == nil, !state.finished.isEmpty else { return }
            let finished = Self.takeFinished(&state)
            state.recorder = Task {
                await self.record(finished)
                let waiting = self.state.withLock { state in
                    state.recorder = nil
                    return !state.finished.isEmpty
                }
                if waiting { signal.yield() }
            }
        }
    }

    /// Waits for the write under way, if any.
    private func recorded() async {
        await self.state.withLock { $0.recorder }?.value
    }

    private func claim(free: Int, recording: Set<UUID>, _ signal: AsyncStream<Void>.Continuation) async {
        guard free > 0 else { return }
        do {
            var claimed = try await self.queue.claim(worker: self.name, limit: free, finished: recording, bounded: true)
            if claimed.count < free, self.mayReadWholeQueue() {
                claimed += try await self.queue.claim(
                    worker: self.name, limit: free - claimed.count, finished: recording, bounded: false)
            }
            for job in claimed { self.start(job, signal) }
            // A full claim means more may be waiting: look again at once.
            if claimed.count == free, claimed.count > 0 { signal.yield() }
        } catch {
            self.logger.warning("claim failed", metadata: ["worker": "\(self.name)", "error": "\(error)"])
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    private func start(_ job: ClaimedJob, _ signal: AsyncStream<Void>.Continuation) {
        let id = job.id
        let task = Task {
            let started = ContinuousClock.now
            let result: Result<JobOutcome, JobRunError>
            do {
                // The run continues the trace of the request that submitted the job.
                result = .success(
                    try await Telemetry.withSpan(
                        "job \(job.steps.map(\.operation).joined(separator: "+"))",
                        kind: .consumer, parent: job.traceParent
                    ) { span in
                        span?.set("imageswiss.job_id", job.id.lowercasedText)
                        return try await self.runner.run(job, worker: self.name) {
                            self.state.withLock { $0.stopped.contains(id) }
                        }
                    })
            } catch {
                result = .failure(JobRunError.from(error, during: "running"))
            }
            JobMetrics.recordRun(job, result, elapsed: ContinuousClock.now - started)
            self.state.withLock { $0.finished.append((job, result)) }
            signal.yield()
        }
        self.state.withLock { $0.runs[id] = Run(job: job, task: task) }
    }

    /// The runs that finished since the last turn, marked as being recorded (their slots are free).
    private func takeFinished() -> [(ClaimedJob, Result<JobOutcome, JobRunError>)] {
        self.state.withLock { Self.takeFinished(&$0) }
    }

    private static func takeFinished(_ state: inout State) -> [(ClaimedJob, Result<JobOutcome, JobRunError>)] {
        defer { state.finished = [] }
        state.recording.formUnion(state.finished.map(\.0.id))
        return state.finished
    }

    /// Writes the ends of finished runs: successes in one statement, failures one by one. A write
    /// that fails (the database restarting) keeps the results for the next turn.
    private func record(_ finished: [(ClaimedJob, Result<JobOutcome, JobRunError>)]) async {
        guard !finished.isEmpty else { return }
        var successes: [(UUID, JobOutcome)] = []
        var unsettled: [Unsettled] = []
        var retry: [(ClaimedJob, Result<JobOutcome, JobRunError>)] = []
        for (job, result) in finished {
            if case .success(let outcome) = result { successes.append((job.id, outcome)) }
        }
        do {
            let (succeeded, toSettle) = try await self.queue.succeed(worker: self.name, successes)
            unsettled += toSettle
            // Originals go only once the success is recorded: a lost lease keeps them for the next run.
            for (job, result) in finished where job.deleteOriginals {
                if case .success = result, succeeded.contains(job.id) {
                    for input in job.inputs { try? await self.runner.storage.delete(input, owner: job.ownerID) }
                }
            }
        } catch {
            self.logger.warning("recording successes failed; will retry", metadata: ["error": "\(error)"])
            retry += finished.filter { if case .success = $0.1 { true } else { false } }
        }
        for (job, result) in finished {
            guard case .failure(let error) = result else { continue }
            do {
                unsettled += try await self.queue.fail(job.id, attempt: job.attempt, worker: self.name, error: error)
                if !error.retryable {
                    self.logger.info("job failed", metadata: ["job": "\(job.id)", "error": "\(error)"])
                }
            } catch {
                retry.append((job, result))
            }
        }
        self.state.withLock { state in
            state.recording.subtract(finished.map(\.0.id))
            for (job, _) in finished where !retry.contains(where: { $0.0.id == job.id }) {
                state.runs[job.id] = nil
                state.stopped.remove(job.id)
            }
            state.finished += retry
        }
        if !retry.isEmpty { try? await Task.sleep(for: .milliseconds(500)) }
        self.settlements.add(unsettled)
    }

    /// Renews leases every third of the lease; stops runs that are no longer this worker's.
    private func beat() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: self.configuration.lease / 3)
            let ids = self.state.withLock { Array($0.runs.keys) }
            guard !ids.isEmpty else { continue }
            do {
                let alive = try await self.queue.renew(worker: self.name, ids: ids)
                let lost = self.state.withLock { state -> [Run] in
                    // A run that finished is not lost: its row left `running` because its end was written.
                    let lost = ids.filter { id in
                        !alive.contains(id) && !state.stopped.contains(id) && state.runs[id] != nil
                            && !state.recording.contains(id)
                            && !state.finished.contains { $0.0.id == id }
                    }
                    state.stopped.formUnion(lost)
                    return lost.compactMap { state.runs[$0] }
                }
                for run in lost {
                    self.logger.info("run stopped: job canceled or lease lost", metadata: ["job": "\(run.job.id)"])
                    run.task.cancel()
                }
            } catch {
                self.logger.warning("lease renewal failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// SIGTERM: runs get the grace period to finish; the rest go back to the queue.
    private func drain() async {
        let end = ContinuousClock.now + self.configuration.shutdownGrace
        await self.recorded()
        while ContinuousClock.now < end, self.state.withLock({ !$0.runs.isEmpty }) {
            await self.record(self.takeFinished())
            try? await Task.sleep(for: .milliseconds(50))
        }
        await self.record(self.takeFinished())
        let left = self.state.withLock { Array($0.runs.values) }
        guard !left.isEmpty else { return }
        for run in left { run.task.cancel() }
        do {
            try await self.queue.handBack(worker: self.name, ids: left.map(\.job.id))
            self.logger.info("handed back unfinished jobs", metadata: ["count": "\(left.count)"])
        } catch {
            self.logger.error("could not hand back jobs; their leases will expire", metadata: ["error": "\(error)"])
        }
    }
}

/// Fans `jobs_queued` notifications out to the worker loops of this process.
final class WakeSignal: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<Void>.Continuation]>([:])
    private let next = Atomic<Int>(0)

    func subscribe(_ continuation: AsyncStream<Void>.Continuation) -> Int {
        let id = self.next.add(1, ordering: .relaxed).newValue
        self.subscribers.withLock { $0[id] = continuation }
        return id
    }

    func unsubscribe(_ id: Int) { _ = self.subscribers.withLock { $0.removeValue(forKey: id) } }

    func wakeAll() {
        for continuation in self.subscribers.withLock({ Array($0.values) }) { continuation.yield() }
    }
}
