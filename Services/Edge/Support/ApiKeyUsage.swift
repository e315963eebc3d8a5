import Foundation
import ImageSwissProtos
import Logging
import RPC
import ServiceLifecycle
import ServiceRuntime
import Synchronization

/// Calls and errors per API key and UTC day, counted in memory by ApiKeyUsageMiddleware and
/// reported to Auth by ApiKeyUsage.Reporter every EDGE_KEY_USAGE_REPORT_MS. A report that fails is
/// counted again in the next one; what a killed edge had not reported yet is lost (at most one
/// interval's calls).
final class ApiKeyUsage: Sendable {
    private struct Count: Sendable {
        var calls: UInt64 = 0
        var errors: UInt64 = 0
    }

    private let counts = Mutex<[String: Count]>([:])

    func record(key: String, error: Bool, at date: Date = Date()) {
        let entry = key + " " + Self.day(date)
        self.counts.withLock { counts in
            counts[entry, default: Count()].calls += 1
            if error { counts[entry, default: Count()].errors += 1 }
        }
    }

    /// Everything counted so far, and the counter emptied.
    func take() -> [AuthApiKeyUsage] {
        let taken = self.counts.withLock { counts in
            defer { counts = [:] }
            return counts
        }
        return taken.map { entry, count in
            let parts = entry.split(separator: " ")
            var usage = AuthApiKeyUsage()
            usage.keyID = String(parts[0])
            usage.day = String(parts[1])
            usage.calls = count.calls
            usage.errors = count.errors
            return usage
        }
    }

    /// Counts a failed report back in.
    func restore(_ usage: [AuthApiKeyUsage]) {
        self.counts.withLock { counts in
            for item in usage {
                let entry = item.keyID + " " + item.day
                counts[entry, default: Count()].calls += item.calls
                counts[entry, default: Count()].errors += item.errors
            }
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
