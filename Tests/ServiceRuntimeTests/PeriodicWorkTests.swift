import Logging
import ServiceLifecycle
import ServiceRuntime
import Synchronization
import Testing

@Suite("periodic work")
struct PeriodicWorkTests {
    /// A background loop as the services run one (sweeps, outboxes): a round, then a long sleep.
    final class Loop: Service {
        let interval: Duration
        let rounds = Mutex(0)
        let failFirst: Int

        init(interval: Duration, failFirst: Int) {
            self.interval = interval
            self.failFirst = failFirst
        }

        func run() async throws {
            await repeatUntilShutdown(
                every: self.interval, logger: Logger(label: "periodic-test"), failure: "round failed"
            ) {
                let round = self.rounds.withLock {
                    $0 += 1
                    return $0
                }
                if round <= self.failFirst { throw CancellationError() }
            }
        }
    }

    private func group(_ loop: Loop) -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: [.init(service: loop)], gracefulShutdownSignals: [], cancellationSignals: [],
                logger: Logger(label: "periodic-test", factory: { _ in SwiftLogNoOpLogHandler() })
            ))
    }

    @Test func gracefulShutdownEndsTheSleepAtOnce() async throws {
        let loop = Loop(interval: .seconds(3600), failFirst: 0)
        let group = self.group(loop)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while loop.rounds.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(ContinuousClock.now - started < .seconds(10), "an hour's sleep held up the shutdown")
        #expect(loop.rounds.withLock { $0 } == 1)
    }

    @Test func aFailingRoundDoesNotStopTheLoop() async throws {
        let loop = Loop(interval: .milliseconds(5), failFirst: 3)
        let group = self.group(loop)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while loop.rounds.withLock({ $0 }) < 5 { try await Task.sleep(for: .milliseconds(10)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(loop.rounds.withLock { $0 } >= 5)
    }
}
