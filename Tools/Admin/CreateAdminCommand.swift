import ArgumentParser
import Foundation
import ImageSwissProtos
import ServiceRuntime

/// `create-admin EMAIL`: makes an account an administrator, registering it first when there is
/// none (the first admin of a deployment without AUTH_FIRST_ADMIN_EMAIL, or a new operator). A new
/// account's password comes from standard input with `--password-stdin`, else is generated and
/// printed once; Auth's password rules apply either way.
struct CreateAdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-admin", abstract: "Make an account (registered if new) an administrator.")
    @Argument(help: "The administrator's email address.") var email: String
    @Flag(help: "Read a new account's password from standard input instead of generating one.")
    var passwordStdin = false
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let connection = AdminConnection()
        var search = AuthListUsersRequest()
        search.query = self.email
        search.pageSize = 50
        let found = try await connection.call(ServiceCatalog.auth, AuthMethods.listUsers, search).accounts.first {
            $0.email.lowercased() == self.email.lowercased()
        }
        var generated: String?
        let account: AuthAccount
        if let found {
            account = found
        } else {
            var register = AuthRegisterRequest()
            register.email = self.email
            if self.passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    throw ValidationError("no password on standard input")
                }
                register.password = line
            } else {
                generated = Self.password()
                register.password = generated!
            }
            register.idempotencyKey = "admin-tool-\(UUID().uuidString.lowercased())"
            account = try await connection.call(ServiceCatalog.auth, AuthMethods.register, register)
        }
        var promote = AuthSetUserStateRequest()
        promote.userID = account.userID
        promote.role = "admin"
        promote.idempotencyKey = "admin-tool-\(UUID().uuidString.lowercased())"
        let admin = try await connection.call(ServiceCatalog.auth, AuthMethods.setUserState, promote)
        if self.common.json {
            var object: [String: Any] = ["user_id": admin.userID, "email": admin.email, "role": admin.role]
            if let generated { object["password"] = generated }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("\(admin.userID) \(admin.email) role=\(admin.role)\(found == nil ? " (registered)" : "")")
            if let generated { print("password (shown once): \(generated)") }
        }
    }

    /// 24 characters from a 56-letter alphabet without look-alikes: about 139 bits.
    static func password() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
