import Foundation
import Postgres
import TestSupport

/// Auth and Edge as real processes (a ServiceStack), with a mail folder and the first admin's address.
struct AuthStack {
    typealias Reply = HTTPReply
    let stack: ServiceStack
    let mailDirectory: String

    static let adminEmail = "root@imageswiss.test"

    var database: PostgresPool { self.stack.database(for: "auth") }

    static func start(_ extra: [String: String] = [:]) async throws -> AuthStack {
        let mail = FileManager.default.temporaryDirectory.appendingPathComponent(
            "authmail-\(UUID().uuidString.prefix(8))"
        ).path
        let storageData = FileManager.default.temporaryDirectory.appendingPathComponent(
            "authfiles-\(UUID().uuidString.prefix(8))"
        ).path
        var environment = [
            "AUTH_MAIL_DIR": mail, "AUTH_MAIL_POLL_MS": "100", "AUTH_FIRST_ADMIN_EMAIL": Self.adminEmail,
            "AUTH_PUBLIC_URL": "https://app.imageswiss.test", "STORAGE_DATA_DIR": storageData,
        ]
        environment.merge(extra) { _, new in new }
        // Storage too: deleting an account purges its files there.
        return AuthStack(
            stack: try await ServiceStack.start(["auth", "storage"], environment: environment), mailDirectory: mail)
    }

    func stop() async { await self.stack.stop() }

    /// A GET anywhere (the fake provider), redirects not followed.
    static func get(_ url: String) async throws -> Reply { try await HTTPTestClient.get(url) }

    func call(
        _ method: String, _ path: String, json: Any? = nil, raw: Data? = nil, bearer: String? = nil,
        headers: [String: String] = [:], followRedirects: Bool = true
    ) async throws -> Reply {
        try await self.stack.http.call(
            method, path, json: json, raw: raw, bearer: bearer, headers: headers, followRedirects: followRedirects)
    }

    func signedInUser(_ email: String, password: String = "correct horse battery staple") async throws -> (
        id: String, access: String, refresh: String
    ) {
        try await self.stack.http.signedInUser(email, password: password)
    }

    /// Mails written to the outbox folder so far, as text, waiting up to 5 s for at least `count`.
    func mails(atLeast count: Int) async throws -> [String] {
        try await MailFolder.read(self.mailDirectory, atLeast: count)
    }

    func count(_ table: String) async throws -> Int {
        try await self.database.query("SELECT count(*) AS n FROM \(table)").first!.decode("n", as: Int.self)
    }
}
