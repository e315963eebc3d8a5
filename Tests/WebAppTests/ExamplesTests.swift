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
}
