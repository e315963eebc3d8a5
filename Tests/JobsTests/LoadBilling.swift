import Foundation
import ImageSwissProtos
import Postgres
import RPC
import TestSupport

/// The billing side of the load tests that run services by hand (MultiHostTests, MixedVersionTests):
/// Billing's instances over RPC, signing as the edge does, and Billing's database.
struct LoadBilling {
    let client: RPCClient
    let database: PostgresPool

    init(environment: [String: String], identityKey: String) throws {
        var configuration = RPCClientConfiguration()
        configuration.identity = try RPCIdentity(service: "edge", keys: [identityKey])
        self.client = RPCClient(
            endpoints: try RPCEndpoint.list(environment["BILLING_RPC_ADDRESSES"]!), configuration: configuration)
        self.database = PostgresPool(configuration: .init(url: environment["BILLING_DATABASE_URL"]!, poolSize: 1))
    }

    /// Lifts the tiers' daily cap (the load spends more than the free tier's) and grants `credits` to
    /// `account`; answers its balance then.
    func fund(_ account: String, credits: Int64) async throws -> Int64 {
        try await self.database.execute("UPDATE tiers SET daily_cap = 100000000")
        try await JobsStack.grant(credits, to: account, through: self.client)
        return try await self.balance(account).total
    }

    func balance(_ account: String) async throws -> BillingBalance {
        try await self.client.unary(
            BillingMethods.getBalance, BillingGetBalanceRequest(), options: JobsStack.as(account))
    }

    /// Waits until every batch succeeded (asking `edge`) and no credit is held any more.
    func settled(_ batches: [String], of account: String, token: String, through edge: HTTPTestClient) async throws {
        try await waitUntil(timeout: .seconds(90)) {
            for id in batches {
                let reply = try await edge.call("GET", "/api/v1/batches/\(id)", bearer: token, timeout: 10)
                if reply.json["status"] as? String != "succeeded" { return false }
            }
            return true
        }
        try await waitUntil { try await self.balance(account).held == 0 }
    }

    func close() async {
        await self.client.close()
        await self.database.close()
    }
}
