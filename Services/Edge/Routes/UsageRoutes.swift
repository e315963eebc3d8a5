import Foundation
import HTTPTypes
import Hummingbird
import ImageSwissProtos
import RPC

/// GET /api/v1/billing/usage?days=7|30|90[&format=csv]: the caller's usage per UTC day and
/// operation, from the service that holds each part — credits spent (Billing's ledger), jobs and
/// files processed (Jobs), API calls (Auth's per-key counts) — side by side.
struct UsageRoutes {
    let billing: RPCClient
    let jobs: RPCClient
    let auth: RPCClient

    func add(to router: Router<EdgeRequestContext>) {
        router.requiring(.scope("billing:read")).get("api/v1/billing/usage", use: self.usage)
    }

    @Sendable func usage(_ request: Request, context: EdgeRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let query = request.uri.queryParameters
        var days: UInt32 = 0
        if let text = query["days"] {
            guard let value = UInt32(text) else {
                throw EdgeError(.badRequest, "invalid_days", "days is 7, 30 or 90", field: "days")
            }
            days = value
        }
        let options = EdgeCalls.options(context, caller)
        let others = RPCCallOptions(timeout: Self.otherPartsTimeout, metadata: options.metadata)
        var credits = BillingUsageRequest()
        credits.days = days
        var jobs = JobsUsageRequest()
        jobs.days = days
        // Billing decides the period (and refuses another); the others follow its answer. Jobs or
        // Auth out of reach leaves their part out, named in `unavailable`, rather than the answer.
        async let spent = self.billing.unary(BillingMethods.getUsage, credits, options: options)
        let jobsRequest = jobs
        async let work = Self.unlessUnavailable {
            try await self.jobs.unary(JobsMethods.getUsage, jobsRequest, options: others)
        }
        let ledger = try await spent
        var keys = AuthGetApiKeyUsageRequest()
        keys.days = ledger.days
        let keysRequest = keys
        let calls = try await Self.unlessUnavailable {
            try await self.auth.unary(AuthMethods.getApiKeyUsage, keysRequest, options: others)
        }
        let done = try await work
        let usage = ActivityJSON(
            credits: ledger, jobs: done ?? JobsUsage(), calls: calls ?? AuthApiKeyUsageResponse(),
            unavailable: (done == nil ? ["jobs"] : []) + (calls == nil ? ["api_calls"] : []))
        guard query["format"] == "csv" else {
            return try JSONAnswer.response(usage, request: request, context: context)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"imageswiss-usage-\(usage.days)d.csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: usage.csv)))
    }

    /// How long the answer waits for Jobs' and Auth's parts before leaving them out.
    static let otherPartsTimeout: Duration = .seconds(3)

    /// The answer, or nil when the service cannot be reached now.
    private static func unlessUnavailable<T: Sendable>(_ call: @Sendable () async throws -> T) async throws -> T? {
        do {
            return try await call()
        } catch let error as RPCError where error.code == .unavailable || error.code == .deadlineExceeded {
            return nil
        }
    }
}
