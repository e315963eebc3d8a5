import ArgumentParser
import Foundation
import ImageSwissProtos
import ServiceRuntime

/// `grant ACCOUNT AMOUNT`: credits to an account (a goodwill gesture, or a refund's credits), once
/// per idempotency key (a fresh one unless `--key` repeats an earlier grant safely).
struct GrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grant", abstract: "Grant credits to an account.")
    @Argument(help: "The account (user or team) id.") var account: String
    @Argument(help: "Credits, 1 or more.") var amount: Int64
    @Option(help: "promotional or refund.") var source = "promotional"
    @Option(help: "Why, as the ledger shows it.") var reference = "imageswiss-admin"
    @Option(help: "An idempotency key: the same key grants once.") var key: String?
    @OptionGroup var common: CommonOptions

    func run() async throws {
        var request = BillingGrantRequest()
        request.accountID = self.account
        request.amount = self.amount
        request.source = self.source
        request.reference = self.reference
        request.idempotencyKey = self.key ?? "admin-tool-\(UUID().uuidString.lowercased())"
        let entry = try await AdminConnection().call(ServiceCatalog.billing, BillingMethods.grant, request)
        try report(entry, json: self.common.json, "granted \(entry.amount); balance \(entry.balanceAfter)")
    }
}
