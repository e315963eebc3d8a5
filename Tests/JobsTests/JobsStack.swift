import Foundation
import ImageSamples
import ImageSwissProtos
import Postgres
import RPC
import TestSupport

/// The whole back end — Auth, Billing, Storage, ImageOps, Jobs — and the edge as real processes.
/// Tests reach Jobs over HTTP through the edge like users, or over RPC as the edge does (acting for a
/// user named in the call metadata), and read Jobs' and Billing's tables to check what was written.
struct JobsStack {
    let stack: ServiceStack
    let jobs: RPCClient
    let billing: RPCClient
    static let adminEmail = "admin@imageswiss.test"

    var http: HTTPTestClient { self.stack.http }
    var database: PostgresPool { self.stack.database(for: "jobs") }
    var billingDatabase: PostgresPool { self.stack.database(for: "billing") }

    static let testEnvironment = [
        "AUTH_FIRST_ADMIN_EMAIL": adminEmail, "EDGE_PUBLIC_URL": "",
        "JOBS_SWEEP_INTERVAL_MS": "200", "JOBS_LEASE_S": "2", "JOBS_RETRY_DELAY_MS": "100", "JOBS_IDLE_POLL_MS": "500",
        "JOBS_WEBHOOK_ALLOW_HTTP": "true", "JOBS_WEBHOOK_RETRY_DELAY_MS": "100", "BILLING_SWEEP_INTERVAL_MS": "500",
    ]

    static func start(_ extra: [String: String] = [:], postgres: TestPostgres? = nil) async throws -> JobsStack {
        var environment = Self.testEnvironment
        environment.merge(extra) { _, new in new }
        let stack = try await ServiceStack.start(
            ["auth", "billing", "storage", "imageops", "jobs"], environment: environment, postgres: postgres)
        let jobs = try stack.rpcClient(for: "jobs", peerName: "jobs-tests")
        let billing = try stack.rpcClient(for: "billing", peerName: "jobs-tests")
        // Workloads here are larger than the free tier's daily allowance.
        try await stack.database(for: "billing").execute("UPDATE tiers SET daily_cap = 100000000")
        return JobsStack(stack: stack, jobs: jobs, billing: billing)
    }

    func stop() async {
        await self.jobs.close()
        await self.billing.close()
        await self.stack.stop()
    }

    static func `as`(_ account: String, role: String = "user", timeout: Duration = .seconds(30)) -> RPCCallOptions {
        RPCCallOptions(
            timeout: timeout,
            metadata: [RPCMetadata.callerID: account, RPCMetadata.callerRole: role, RPCMetadata.callerScopes: "*"])
    }

    /// A signed-up user with `credits` promotional credits.
    func user(_ email: String, credits: Int64) async throws -> (id: String, access: String) {
        let user = try await self.http.signedInUser(email)
        try await Self.grant(credits, to: user.id, through: self.billing)
        return (user.id, user.access)
    }

    /// Opens `account` at Billing (its first balance read does) and grants it `credits` promotional
    /// credits, as an admin does.
    static func grant(_ credits: Int64, to account: String, through billing: RPCClient) async throws {
        _ = try await billing.unary(BillingMethods.getBalance, BillingGetBalanceRequest(), options: Self.as(account))
        guard credits > 0 else { return }
        var grant = BillingGrantRequest()
        grant.accountID = account
        grant.amount = credits
        grant.source = "promotional"
        grant.idempotencyKey = UUID().uuidString
        _ = try await billing.unary(BillingMethods.grant, grant, options: Self.as("ops", role: "admin"))
    }

    func balance(_ account: String) async throws -> BillingBalance {
        try await self.billing.unary(BillingMethods.getBalance, BillingGetBalanceRequest(), options: Self.as(account))
    }

    /// Uploads a generated photo through the edge; answers its file id.
    func upload(_ token: String, width: Int = 1200, height: Int = 900, name: String = "photo.jpg") async throws
        -> String
    {
        try await self.upload(token, bytes: try Samples.photo(width: width, height: height), name: name)
    }

    /// Uploads `bytes` through the edge; answers the file id.
    func upload(_ token: String, bytes: [UInt8], name: String) async throws -> String {
        try await self.http.upload(bytes, name: name, token: token)
    }

    /// Waits until the job is final; answers its JSON.
    func finished(_ id: String, token: String, timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        let end = ContinuousClock.now + timeout
        while true {
            let reply = try await self.http.call("GET", "/api/v1/jobs/\(id)", bearer: token)
            if ["succeeded", "failed", "canceled", "expired"].contains(reply.json["status"] as? String ?? "") {
                return reply.json
            }
            guard ContinuousClock.now < end else { throw TestSupportError("job \(id) not final: \(reply.text)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Sets the current price list with `changes` applied (as the admin's price editor does).
    func reprice(_ changes: [String: Int64]) async throws {
        let current = try await self.billing.unary(
            BillingMethods.getPriceList, BillingGetPriceListRequest(), options: Self.as("ops", role: "admin"))
        var request = BillingSetPriceListRequest()
        request.prices = current.prices.map { price in
            var price = price
            if let credits = changes[price.operation] { price.credits = credits }
            return price
        }
        request.fastLanePercent = current.fastLanePercent
        request.idempotencyKey = UUID().uuidString
        _ = try await self.billing.unary(BillingMethods.setPriceList, request, options: Self.as("ops", role: "admin"))
    }

    /// Waits until every job succeeded, then answers their ids in the order they started.
    func startOrderOnceAllSucceeded() async throws -> [String] {
        try await waitUntil(timeout: .seconds(60)) {
            try await self.count("SELECT count(*) FROM jobs WHERE status <> 'succeeded'") == 0
        }
        return try await self.database.query("SELECT id::text AS id FROM jobs ORDER BY started_at").map {
            try $0.decode("id", as: String.self)
        }
    }

    func count(_ sql: String, _ parameters: [any PostgresEncodable] = [], billing: Bool = false) async throws -> Int {
        try await (billing ? self.billingDatabase : self.database).query(sql, parameters).first!.decode(
            at: 0, as: Int.self)
    }

    /// A SubmitJob over RPC, as the edge sends it for `account`.
    func submit(
        _ account: String, steps: [(String, [String: String])], inputs: [String] = [], key: String = UUID().uuidString,
        lane: String = "batch"
    ) async throws -> JobsJob {
        var request = JobsSubmitJobRequest()
        request.steps = steps.map { operation, parameters in
            var step = JobsStep()
            step.operation = operation
            step.parameters = parameters
            return step
        }
        request.inputBlobIds = inputs
        request.idempotencyKey = key
        request.lane = lane
        return try await self.jobs.unary(JobsMethods.submitJob, request, options: Self.as(account))
    }
}

extension RPCError {
    var reason: String? { self.detail(CommonErrorInfo.self)?.reason }
}
