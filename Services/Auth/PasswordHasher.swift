import NIOConcurrencyHelpers
import NIOPosix
import PasswordHashing
import ServiceRuntime
import Tokens

/// argon2id off the async threads: a fixed pool of threads (each hash holds ~19 MiB while it runs)
/// with a bounded wait list; beyond it, sign-ins are refused with RESOURCE_EXHAUSTED instead of
/// queueing without end.
final class PasswordHasher: Sendable {
    let parameters: Argon2id.Parameters
    /// A hash of a random password, verified against when the email is unknown so that answer takes
    /// as long as a wrong password does.
    let decoyHash: String
    private let threads: NIOThreadPool
    private let capacity: Int
    private let inFlight = NIOLockedValueBox(0)

    init(parameters: Argon2id.Parameters, workers: Int, queue: Int) throws {
        self.parameters = parameters
        self.decoyHash = try Argon2id.hash(OpaqueToken.generate(), parameters: parameters)
        self.threads = NIOThreadPool(numberOfThreads: workers)
        self.threads.start()
        self.capacity = workers + queue
    }

    func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await self.bounded { try Argon2id.hash(password, parameters: parameters) }
    }

    func verify(_ password: String, against encoded: String) async throws -> Bool {
        try await self.bounded { Argon2id.verify(password, against: encoded) }
    }

    /// True when `encoded` was made with weaker parameters than the configured ones.
    func needsUpgrade(_ encoded: String) -> Bool {
        Argon2id.parameters(of: encoded).map { $0.isWeaker(than: self.parameters) } ?? true
    }

    private func bounded<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let admitted = self.inFlight.withLockedValue { count in
            guard count < self.capacity else { return false }
            count += 1
            return true
        }
        guard admitted else { throw failure.busy }
        defer { self.inFlight.withLockedValue { $0 -= 1 } }
        return try await self.threads.runIfActive(body)
    }
}
