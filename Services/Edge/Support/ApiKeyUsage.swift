import Foundation
import ImageSwissProtos
import Logging
import RPC
import ServiceLifecycle
import ServiceRuntime
import Synchronization

/// Calls and errors per API key and UTC day, counted in memory by CallerMiddleware and
/// reported to Auth by ApiKeyUsage.Reporter every EDGE_KEY_USAGE_REPORT_MS. A report that fails is
/// counted again in the next one; what a killed edge had not reported yet is lost (at most one
/// interval's calls).
final class ApiKeyUsage: Sendable {
    private struct Entry: Hashable, Sendable {
        let key: String
        let day: String
    }

    private struct Count: Sendable {
        var calls: UInt64 = 0
        var errors: UInt64 = 0
    }

    private let counts = Mutex<[Entry: Count]>([:])

    func record(key: String, error: Bool, at date: Date = Date()) {
        self.add(Entry(key: key, day: Self.day(date)), calls: 1, errors: error ? 1 : 0)
    }

    /// Everything counted so far, and the counter emptied.
    func take() -> [AuthApiKeyUsage] {
        let taken = self.counts.withLock { counts in
            defer { counts = [:] }
            return counts
        }
        return taken.map { entry, count in
            var usage = AuthApiKeyUsage()
            (usage.keyID, usage.day) = (entry.key, entry.day)
            (usage.calls, usage.errors) = (count.calls, count.errors)
            return usage
        }
    }

    /// Counts a failed report back in.
    func restore(_ usage: [AuthApiKeyUsage]) {
        for item in usage { self.add(Entry(key: item.keyID, day: item.day), calls: item.calls, errors: item.errors) }
    }

    private func add(_ entry: Entry, calls: UInt64, errors: UInt64) {
        self.counts.withLock { counts in
            counts[entry, default: Count()].calls += calls
            counts[entry, default: Count()].errors += errors
        }
    }

    static func day(_ date: Date) -> String {
        let components = Calendar(identifier: .gregorian).dateComponents(
            in: TimeZone(identifier: "UTC")!, from: date)
        return String(format: "%04d-%02d-%02d", components.year!, components.month!, components.day!)
    }

    /// Sends the counts to Auth on a timer, and once more at shutdown.
    struct Reporter: Service {
        let usage: ApiKeyUsage
        let auth: RPCClient
        let interval: Duration
        let logger: Logger

        func run() async throws {
            await repeatUntilShutdown(every: self.interval, logger: self.logger, failure: "API key usage not reported")
            {
                try await self.report()
            }
            try? await self.report()
        }

        func report() async throws {
            let usage = self.usage.take()
            guard !usage.isEmpty else { return }
            var request = AuthRecordApiKeyUsageRequest()
            request.usage = usage
            do {
                _ = try await self.auth.unary(
                    AuthMethods.recordApiKeyUsage, request,
                    options: RPCCallOptions(
                        timeout: .seconds(5),
                        metadata: [RPCMetadata.callerID: "edge", RPCMetadata.callerRole: "service"]))
            } catch {
                self.usage.restore(usage)
                throw error
            }
        }
    }
}
