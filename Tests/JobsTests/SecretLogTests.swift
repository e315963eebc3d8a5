import Foundation
import TestSupport
import Testing

/// Secrets never reach the logs: the whole stack runs at debug level with JSON logs while a user
/// signs up, makes an API key, a webhook, a transformation key and a link, and an admin configures
/// a provider whose credential a job then uses; afterwards every service's log is searched for
/// every secret the stack holds — its RPC identity key, the credential-sealing key, the database
/// passwords, the user's password and tokens, the API key, the webhook secret, the transformation
/// key and the provider's credential.
@Suite(.serialized) struct SecretLogTests {
    @Test func noSecretTheStackHoldsAppearsInAnyLog() async throws {
        let fake = try await FakeProviders()
        defer { fake.stop() }
        let jobs = try await JobsStack.start([
            "LOG_FORMAT": "json", "LOG_LEVEL": "debug", "JOBS_PROVIDER_POLL_MS": "50",
        ])
        let http = jobs.http
        var secrets: [String: String] = [
            "RPC identity key": jobs.stack.identityKey,
            "provider sealing key": try #require(jobs.stack.setting("JOBS_PROVIDER_SECRET_KEY")),
        ]
        for service in ["auth", "billing", "jobs", "storage"] {
            let setting = try #require(jobs.stack.setting("\(service.uppercased())_DATABASE_URL"))
            if let password = URLComponents(string: setting)?.password, !password.isEmpty {
                secrets["\(service) database password"] = password
            }
        }
        let password = "correct horse battery staple"
        let user = try await http.signedInUser("secretive@imageswiss.test", password: password)
        try await JobsStack.grant(50, to: user.id, through: jobs.billing)
        secrets["password"] = password
        secrets["access token"] = user.access
        secrets["refresh token"] = user.refresh

        let key = try await http.call(
            "POST", "/api/v1/auth/keys", json: ["name": "ci", "scopes": ["files:read", "jobs:write"]],
            bearer: user.access)
        #expect(key.status == 201, "\(key.text)")
        let apiKey = try #require(
            key.json.values.compactMap { $0 as? String }.filter { $0.hasPrefix("isk_") }.max { $0.count < $1.count },
            "\(key.text)")
        secrets["API key"] = apiKey
        let listed = try await http.call("GET", "/api/v1/files", bearer: apiKey)
        #expect(listed.status == 200, "\(listed.text)")

        let hook = try await http.call(
            "POST", "/api/v1/webhooks", json: ["url": "http://127.0.0.1:\(fake.port)/hooks"], bearer: user.access)
        secrets["webhook secret"] = try #require(hook.json["secret"] as? String, "\(hook.text)")
        let hookID = try #require(hook.json["id"] as? String)
        _ = try await http.call("POST", "/api/v1/webhooks/\(hookID)/test", bearer: user.access)

        let transformKey = try await http.call("POST", "/api/v1/transformations/keys", bearer: user.access)
        secrets["transformation key"] = try #require(
            transformKey.json.values.compactMap { $0 as? String }.filter { $0.hasPrefix("itk_") }.max {
                $0.count < $1.count
            }, "\(transformKey.text)")
        let photo = try await jobs.upload(user.access, width: 400, height: 300)
        let link = try await http.call(
            "POST", "/api/v1/files/\(photo)/transformations", json: ["options": "rs:fit:100:100"], bearer: user.access)
        if let url = link.json["url"] as? String, let path = URLComponents(string: url)?.path {
            #expect(try await http.call("GET", path).status == 200, "\(link.text)")
        }

        // The provider's credential, sealed at rest, used on a real outbound call.
        let admin = try await http.signedInUser(JobsStack.adminEmail)
        for (path, body) in [
            ("providers/gpu", ["kind": "runpod", "base_url": fake.baseURL, "credential": FakeProviders.runPodKey]),
            (
                "models/colour",
                ["operation": "colourization", "provider_id": "gpu", "reference": "colour", "label": "c"]
            ),
        ] {
            let reply = try await http.call("PUT", "/api/v1/admin/ai/" + path, json: body, bearer: admin.access)
            #expect(reply.status == 200, "\(reply.text)")
        }
        secrets["provider credential"] = FakeProviders.runPodKey
        let job = try await http.call(
            "POST", "/api/v1/jobs",
            json: ["input_file_id": photo, "delete_originals": false, "steps": [["operation": "colourization"]]],
            bearer: user.access)
        let done = try await jobs.finished(try #require(job.json["id"] as? String, "\(job.text)"), token: user.access)
        #expect(done["status"] as? String == "succeeded", "\(done)")
        await jobs.stop()

        let logs = try FileManager.default.contentsOfDirectory(atPath: jobs.stack.scratch).filter {
            $0.hasSuffix(".log")
        }
        #expect(
            Set(logs.map { String($0.prefix { $0 != "." && $0 != "-" }) }).isSuperset(of: [
                "auth", "billing", "jobs", "storage", "imageops", "edge",
            ]), "\(logs)")
        var lines = 0
        for log in logs {
            let text = try String(contentsOfFile: "\(jobs.stack.scratch)/\(log)", encoding: .utf8)
            lines += text.split(separator: "\n").count
            for (name, secret) in secrets where secret.count >= 8 {
                #expect(!text.contains(secret), "\(log) holds the \(name)")
            }
        }
        #expect(lines > 50, "the services logged (at debug level) while all this happened")
    }
}
