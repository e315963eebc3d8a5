import Foundation
import ImageSamples
import TestSupport
import Testing

/// The examples under docs/examples/ run against the whole stack as a developer would run them —
/// curl and jq, Python with requests, Node's fetch — and each ends with the batch's results as a
/// zip of one WebP; the webhook verifier passes the Standard Webhooks test vector. An example that
/// no longer matches the API fails here.
@Suite(.serialized) struct ExamplesTests {
    @Test func theDocumentedExamplesRunAgainstTheStack() async throws {
        let stack = try await ServiceStack.start(["auth", "billing", "storage", "imageops", "jobs"])
        defer { Task { await stack.stop() } }
        let image = stack.scratch + "/photo.jpg"
        try Data(try Samples.photo(width: 1024, height: 768)).write(to: URL(fileURLWithPath: image))
        let examples =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path + "/docs/examples"
        // Each example registers its own account: the free tier's credits pay for its batch (2 credits).
        for (index, command) in [
            ["bash", "\(examples)/quickstart.sh"], ["python3", "\(examples)/quickstart.py"],
            ["node", "\(examples)/quickstart.mjs"],
        ].enumerated() {
            let zip = "\(stack.scratch)/results-\(index).zip"
            let environment = [
                "IMAGESWISS_URL=\(stack.http.baseURL)", "IMAGESWISS_EMAIL=example\(index)@imageswiss.test",
                "IMAGESWISS_PASSWORD=correct horse battery staple", "IMAGESWISS_IMAGE=\(image)",
                "IMAGESWISS_OUT=\(zip)",
            ]
            let result = try await runWithStatus("/usr/bin/env", environment + command)
            #expect(result.status == 0, "\(command.last!): \(result.output)")
            #expect(result.output.contains("cost: 2 credits, you have 3"), "\(command.last!): \(result.output)")
            let listing = try await runWithStatus("/usr/bin/env", ["python3", "-m", "zipfile", "-l", zip])
            #expect(listing.status == 0 && listing.output.contains(".webp"), "\(command.last!): \(listing.output)")
        }
        // A transformation link signed in the developer's own code: computed and charged once, then free.
        for (index, command) in [
            ["python3", "\(examples)/transform_link.py"], ["node", "\(examples)/transform_link.mjs"],
        ].enumerated() {
            let environment = [
                "IMAGESWISS_URL=\(stack.http.baseURL)", "IMAGESWISS_EMAIL=links\(index)@imageswiss.test",
                "IMAGESWISS_PASSWORD=correct horse battery staple", "IMAGESWISS_IMAGE=\(image)",
            ]
            let result = try await runWithStatus("/usr/bin/env", environment + command)
            #expect(result.status == 0, "\(command.last!): \(result.output)")
            #expect(
                result.output.contains("image/webp")
                    && result.output.contains("again: 200, same ETag: true, charged 0 more")
                    && !result.output.contains("charged 0 credits once")
                    && result.output.contains("public, max-age=31536000, immutable"),
                "\(command.last!): \(result.output)")
        }
        let webhook = try await runWithStatus("/usr/bin/env", ["python3", "\(examples)/verify_webhook.py"])
        #expect(webhook.status == 0 && webhook.output.contains("webhook signatures verify"), "\(webhook.output)")
    }

    /// The generation examples against a local server speaking Together's images endpoint
    /// (Tests/Browser/fake_together.py), which an admin adds with a default model through the API.
    @Test func theGenerationExamplesMakeAPictureFromWords() async throws {
        let admin = "examples-admin@imageswiss.test"
        let stack = try await ServiceStack.start(
            ["auth", "billing", "storage", "imageops", "jobs"], environment: ["AUTH_FIRST_ADMIN_EMAIL": admin])
        defer { Task { await stack.stop() } }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let portFile = stack.scratch + "/together.port"
        let started = try await runWithStatus(
            "/bin/sh",
            ["-c", "python3 '\(root)/Tests/Browser/fake_together.py' > '\(portFile)' 2>&1 & echo $!"])
        let pid = started.output.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { Task { _ = try? await runWithStatus("/bin/kill", [pid]) } }
        var port = ""
        try await waitUntil {
            port = ((try? String(contentsOfFile: portFile, encoding: .utf8)) ?? "").trimmingCharacters(
                in: .whitespacesAndNewlines)
            return Int(port) != nil
        }
        let token = try await stack.http.signedInUser(admin).access
        let provider = try await stack.http.call(
            "PUT", "/api/v1/admin/ai/providers/together",
            json: ["kind": "together", "base_url": "http://127.0.0.1:\(port)", "credential": "tg-examples-key"],
            bearer: token)
        #expect(provider.status == 200, "\(provider.text)")
        let model = try await stack.http.call(
            "PUT", "/api/v1/admin/ai/models/flux-schnell",
            json: [
                "operation": "generation", "provider_id": "together", "reference": "black-forest-labs/FLUX.1-schnell",
                "label": "FLUX.1 schnell", "price_credits": 2, "is_default": true,
            ], bearer: token)
        #expect(model.status == 200, "\(model.text)")

        for (index, command) in [
            ["bash", "\(root)/docs/examples/generate.sh"], ["python3", "\(root)/docs/examples/generate.py"],
            ["node", "\(root)/docs/examples/generate.mjs"],
        ].enumerated() {
            let picture = "\(stack.scratch)/picture-\(index).png"
            let environment = [
                "IMAGESWISS_URL=\(stack.http.baseURL)", "IMAGESWISS_EMAIL=painter\(index)@imageswiss.test",
                "IMAGESWISS_PASSWORD=correct horse battery staple", "IMAGESWISS_OUT=\(picture)",
            ]
            let result = try await runWithStatus("/usr/bin/env", environment + command)
            #expect(result.status == 0, "\(command.last!): \(result.output)")
            #expect(
                result.output.contains("FLUX.1 schnell (flux-schnell)") && result.output.contains("cost: 2 credits")
                    && result.output.contains(": succeeded, charged 2 credits")
                    // 1:1 asks 1024×1024; the free tier's results are capped at 480p.
                    && result.output.contains("picture: 480x480 image/png"),
                "\(command.last!): \(result.output)")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: picture))
            #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]), "\(command.last!) saved a PNG")
        }
    }
}
