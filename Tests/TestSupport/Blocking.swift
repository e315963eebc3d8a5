import NIOPosix

/// Threads for the tests' blocking work (initdb, pg_ctl, waiting for child processes).
///
/// Swift's cooperative pool has one thread per core, two on the CI machine: a test that blocks one
/// of them stalls every other test's tasks, RPC handlers included, for as long as it blocks.
private let blockingThreads: NIOThreadPool = {
    let pool = NIOThreadPool(numberOfThreads: 8)
    pool.start()
    return pool
}()

/// Runs blocking work on a dedicated thread and waits for it without holding a cooperative thread.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await blockingThreads.runIfActive(body)
}
