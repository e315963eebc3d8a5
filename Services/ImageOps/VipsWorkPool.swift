import ImageSwissProtos
import NIOConcurrencyHelpers
import NIOPosix
import RPC
import Vips

/// Runs libvips work on dedicated threads — never on the event loops or Swift's cooperative pool —
/// with bounded admission and a timeout that really stops the pixel work.
final class VipsWorkPool: Sendable {
    private let threads: NIOThreadPool
    private let admitted = NIOLockedValueBox(0)
    private let capacity: Int
    private let timeout: Duration

    init(workers: Int, queue: Int, timeout: Duration) {
        self.threads = NIOThreadPool(numberOfThreads: workers)
        self.threads.start()
        self.capacity = workers + queue
        self.timeout = timeout
    }

    /// Runs `body` on a worker. RESOURCE_EXHAUSTED (with RetryInfo) when every worker and queue
    /// place is taken; DEADLINE_EXCEEDED when the work outlives the timeout or the call is cancelled.
    func run<Result: Sendable>(_ body: @escaping @Sendable (KillSwitch) throws -> Result) async throws -> Result {
        let admittedNow = self.admitted.withLockedValue { count -> Bool in
            guard count < self.capacity else { return false }
            count += 1
            return true
        }
        guard admittedNow else {
            var retry = CommonRetryInfo()
            retry.retryAfterMillis = 200
            throw RPCError(
                .resourceExhausted, "image workers are busy; retry shortly", details: [RPCErrorDetail(retry)])
        }
        defer { self.admitted.withLockedValue { $0 -= 1 } }
        let killSwitch = KillSwitch()
        let timer = Task { [timeout] in
            try await Task.sleep(for: timeout)
            killSwitch.fire()
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await self.threads.runIfActive { try body(killSwitch) }
            } onCancel: {
                killSwitch.fire()
            }
        } catch  where killSwitch.fired {
            throw RPCError(.deadlineExceeded, "the image operation was stopped after its time limit")
        }
    }
}

/// Lets a timeout stop the image being computed: libvips checks the kill flag between tiles.
final class KillSwitch: Sendable {
    private let state = NIOLockedValueBox<(fired: Bool, image: VipsImage?)>((false, nil))

    var fired: Bool { self.state.withLockedValue { $0.fired } }

    /// The image whose computation a timeout should stop.
    func watch(_ image: VipsImage) {
        let alreadyFired = self.state.withLockedValue { state -> Bool in
            state.image = image
            return state.fired
        }
        if alreadyFired { image.kill() }
    }

    func fire() {
        let image = self.state.withLockedValue { state -> VipsImage? in
            state.fired = true
            return state.image
        }
        image?.kill()
    }
}
