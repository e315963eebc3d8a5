import Synchronization

/// How many of this process's runs hold a picture at once: reading their input, waiting for
/// ImageOps and being processed by it. Worker slots can then be many (cheap jobs go through a
/// loop's claim several at a time) without sending ImageOps more calls than it queues: a call it
/// refuses (RESOURCE_EXHAUSTED) had read its input from Storage for nothing. Waiters go first in,
/// first out; a run stopped while it waits (canceled, lease lost) leaves the line.
final class ImageCallLimit: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    init(_ limit: Int) {
        self.state = Mutex(State(available: max(1, limit)))
    }

    /// Runs `body` holding one of the permits, waiting for one first if none is free.
    func withPermit<T>(_ body: () async throws -> T) async throws -> T {
        try await self.acquire()
        defer { self.release() }
        return try await body()
    }

    private func acquire() async throws {
        let id = self.state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Decided under the lock: a permit released meanwhile is either taken here or handed
                // to this waiter, never lost. A task canceled before it got in line does not wait.
                let granted: Bool? = self.state.withLock { state in
                    if state.available > 0 {
                        state.available -= 1
                        return true
                    }
                    if Task.isCancelled { return false }
                    state.waiters.append((id, continuation))
                    return nil
                }
                switch granted {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func release() {
        let next = self.state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard !state.waiters.isEmpty else {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
