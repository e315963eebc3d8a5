import ArgumentParser
import Foundation
import ImageSwissProtos
import ServiceRuntime

/// `user show|disable|enable|purge-files`: an account as Auth and Billing know it, and the repairs.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Look at an account, disable or enable it, purge its files.",
        subcommands: [Show.self, Disable.self, Enable.self, PurgeFiles.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An account by email or id, with its balance.")
        @Argument(help: "Email address (or part of it) or user id.") var who: String
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let connection = AdminConnection()
            var request = AuthListUsersRequest()
            request.query = self.who
            request.pageSize = 10
            let users = try await connection.call(ServiceCatalog.auth, AuthMethods.listUsers, request)
            guard let account = users.accounts.first(where: { $0.userID == self.who || $0.email == self.who })
                ?? users.accounts.first
            else { throw ValidationError("no account matches \(self.who)") }
            let balance = try await connection.call(
                ServiceCatalog.billing, BillingMethods.getBalance, BillingGetBalanceRequest(),
                options: AdminConnection.options(as: account.userID, role: "service"))
            if self.common.json {
                print("{\"account\":\(try account.jsonString()),\"balance\":\(try balance.jsonString())}")
            } else {
                print(
                    "\(account.userID) \(account.email) role=\(account.role) disabled=\(account.disabled) verified=\(account.emailVerified)"
                )
                print("balance: \(balance.available) available, \(balance.held) held, tier \(balance.tier)")
            }
        }
    }

    static func setState(_ user: String, disabled: Bool, json: Bool) async throws {
        var request = AuthSetUserStateRequest()
        request.userID = user
        request.disabled = disabled
        request.idempotencyKey = "admin-tool-\(UUID().uuidString.lowercased())"
        let account = try await AdminConnection().call(ServiceCatalog.auth, AuthMethods.setUserState, request)
        try report(account, json: json, "\(account.userID) \(account.email) disabled=\(account.disabled)")
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop an account signing in (its sessions end).")
        @Argument var user: String
        @OptionGroup var common: CommonOptions
        func run() async throws { try await UserCommand.setState(self.user, disabled: true, json: self.common.json) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled account sign in again.")
        @Argument var user: String
        @OptionGroup var common: CommonOptions
        func run() async throws { try await UserCommand.setState(self.user, disabled: false, json: self.common.json) }
    }

    /// The repair for an account deletion whose file purge failed (safe to repeat).
    struct PurgeFiles: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "purge-files", abstract: "Delete every file of an account (Storage).")
        @Argument var user: String
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let purged = try await AdminConnection().call(
                ServiceCatalog.storage, StorageMethods.purgeOwner, StoragePurgeOwnerRequest(),
                options: AdminConnection.options(as: self.user, role: "service"))
            try report(purged, json: self.common.json, "deleted \(purged.deletedBlobs) files of \(self.user)")
        }
    }
}
