import Foundation
import ImageSwissProtos
import Postgres
import RPC
import TestSupport

/// Auth, Billing and the edge as real processes; tests reach Billing over HTTP through the edge,
/// or over RPC directly as Jobs would (acting for an account named in the call metadata).
struct BillingStack {
    let stack: ServiceStack
    let rpc: RPCClient
    static let adminEmail = "admin@imageswiss.test"

    var http: HTTPTestClient { self.stack.http }
    var database: PostgresPool { self.stack.database(for: "billing") }

    static func start(_ extra: [String: String] = [:]) async throws -> BillingStack {
        var environment = ["BILLING_SWEEP_INTERVAL_MS": "200", "AUTH_FIRST_ADMIN_EMAIL": Self.adminEmail]
        environment.merge(extra) { _, new in new }
        let stack = try await ServiceStack.start(["auth", "billing"], environment: environment)
        let rpc = try stack.rpcClient(for: "billing", peerName: "billing-tests")
        return BillingStack(stack: stack, rpc: rpc)
    }

    func stop() async {
        await self.rpc.close()
        await self.stack.stop()
    }

    /// Call options acting for `account`.
    static func `as`(_ account: String, role: String = "user", timeout: Duration = .seconds(10)) -> RPCCallOptions {
        RPCCallOptions(
            timeout: timeout,
            metadata: [RPCMetadata.callerID: account, RPCMetadata.callerRole: role, RPCMetadata.callerScopes: "*"])
    }

    /// Gives `account` (which must have used Billing) `amount` promotional credits.
    func grant(_ account: String, _ amount: Int64, source: String = "promotional", expiresIn: UInt64 = 0) async throws
        -> BillingEntry
    {
        var request = BillingGrantRequest()
        request.accountID = account
        request.amount = amount
        request.source = source
        request.expiresInSeconds = expiresIn
        request.idempotencyKey = UUID().uuidString
        return try await self.rpc.unary(BillingMethods.grant, request, options: Self.as("ops", role: "admin"))
    }

    func balance(_ account: String) async throws -> BillingBalance {
        try await self.rpc.unary(BillingMethods.getBalance, BillingGetBalanceRequest(), options: Self.as(account))
    }

    func spend(_ account: String, _ amount: Int64, key: String, timeout: Duration = .seconds(10)) async throws
        -> BillingHold
    {
        var request = BillingSpendRequest()
        request.amount = amount
        request.reference = key
        request.operation = "resize"
        request.idempotencyKey = key
        return try await self.rpc.unary(BillingMethods.spend, request, options: Self.as(account, timeout: timeout))
    }

    /// Lifts the free tier's daily cap, for workloads larger than a day's allowance.
    func liftDailyCap() async throws {
        try await self.database.execute("UPDATE tiers SET daily_cap = 100000000")
    }

    /// Buys `pack` through the edge with the local provider: the checkout, then its payment.
    @discardableResult
    func buy(_ pack: String, token: String) async throws -> HTTPReply {
        let checkout = try await self.http.call(
            "POST", "/api/v1/billing/checkout", json: ["pack_id": pack], bearer: token)
        guard let id = checkout.json["id"] as? String else { throw TestSupportError("checkout: \(checkout.text)") }
        return try await self.http.call("POST", "/api/v1/billing/checkout/\(id)/complete", bearer: token)
    }

    func invariantsHold(_ account: String) async throws -> Bool {
        try await LedgerInvariants.hold(for: account, in: self.database)
    }

    /// Each lot of `account`, oldest first, as "source:remaining".
    func lotRemainders(_ account: String) async throws -> [String] {
        try await self.database.query("SELECT source, remaining FROM lots WHERE account_id = $1 ORDER BY id", [account])
            .map { "\(try $0.decode("source", as: String.self)):\(try $0.decode("remaining", as: Int64.self))" }
    }

    func count(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await self.database.query(sql, parameters).first!.decode(at: 0, as: Int.self)
    }
}

extension RPCError {
    var reason: String? { self.detail(CommonErrorInfo.self)?.reason }
}
