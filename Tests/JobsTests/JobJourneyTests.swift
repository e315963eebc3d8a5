import Foundation
import ImageSwissProtos
import RPC
import TestSupport
import Testing

/// A user's jobs through the edge: one job with live progress over SSE, a batch with its cost
/// preview and zip, webhooks (signed, retried, logged), and the refusals that write nothing.
@Suite(.serialized) struct JobJourneyTests {
    @Test func jobBatchZipAndWebhooks() async throws {
        let jobs = try await JobsStack.start()
        let receiver = try await WebhookReceiver(failFirst: 1)
        // The receiver stops after the stack: a delivery reaching a stopped receiver crashes the test process.
        defer {
            Task {
                await jobs.stop()
                receiver.stop()
            }
        }
        let user = try await jobs.user("maker@imageswiss.test", credits: 47)  // + the free tier's 3 a month
        let hook = try await jobs.http.call(
            "POST", "/api/v1/webhooks", json: ["url": receiver.url, "events": ["job.succeeded", "batch.completed"]],
            bearer: user.access)
        #expect(hook.status == 201)
        let secret = try #require(hook.json["secret"] as? String)
        let hookID = try #require(hook.json["id"] as? String)

        // One job: resize to fit 512 and convert to WebP. Parameters are typed JSON (the batch below uses
        // the string forms, which stay accepted); a value that is neither is refused naming the parameter.
        let photo = try await jobs.upload(user.access, name: "holiday.jpg")
        let steps: [[String: Any]] = [
            ["operation": "resize", "parameters": ["width": 512, "height": 512]],
            ["operation": "convert", "parameters": ["format": "webp", "quality": 80, "lossless": false]],
        ]
        let nested = try await jobs.http.call(
            "POST", "/api/v1/jobs",
            json: [
                "input_file_id": photo, "steps": [["operation": "resize", "parameters": ["width": ["px": 512]]]],
            ], bearer: user.access)
        #expect(nested.status == 400 && nested.text.contains("parameters.width"), "\(nested.text)")
        let submitted = try await jobs.http.call(
            "POST", "/api/v1/jobs", json: ["input_file_id": photo, "steps": steps],
            bearer: user.access, headers: ["Idempotency-Key": "job-1"])
        #expect(submitted.status == 201, "\(submitted.text)")
        let id = try #require(submitted.json["id"] as? String)
        #expect(submitted.json["tool"] as? String == "convert+resize" && submitted.json["quoted_credits"] as? Int == 2)
        #expect(submitted.json["credits"] as? String == "held")
        // The same key again: the same job, nothing held twice.
        let again = try await jobs.http.call(
            "POST", "/api/v1/jobs", json: ["input_file_id": photo, "steps": steps],
            bearer: user.access, headers: ["Idempotency-Key": "job-1"])
        #expect(again.status == 201 && again.json["id"] as? String == id)
        #expect(try await jobs.balance(user.id).held == 2)

        // Live progress: SSE events until the job is final.
        let events = try await jobs.http.call("GET", "/api/v1/jobs/\(id)/events", bearer: user.access)
        #expect(events.status == 200 && events.headers["content-type"] == "text/event-stream")
        let statuses = events.text.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any])?["status"]
                as? String
        }
        #expect(statuses.last == "succeeded", "\(events.text)")
        let job = try await jobs.finished(id, token: user.access)
        #expect(
            job["status"] as? String == "succeeded" && job["charged_credits"] as? Int == 2
                && job["progress"] as? Int == 100)
        let output = try #require((job["output_file_ids"] as? [String])?.first)
        let file = try await jobs.http.call("GET", "/api/v1/files/\(output)", bearer: user.access)
        #expect(file.json["content_type"] as? String == "image/webp" && file.json["purpose"] as? String == "result")
        #expect(
            file.json["width"] as? Int == 512 && file.json["height"] as? Int == 384
                && file.json["name"] as? String == "holiday-convert+resize.webp")
        #expect((job["thumbnail_file_ids"] as? [String]) == [output], "a 512-pixel result is its own thumbnail")
        // Captured exactly once, for exactly the quote.
        try await waitUntil { try await jobs.balance(user.id).total == 48 }
        #expect(try await jobs.balance(user.id).held == 0)
        #expect(
            try await jobs.count(
                "SELECT count(*) FROM ledger_entries WHERE account_id = $1 AND amount < 0", [user.id], billing: true)
                == 1)
        let signed = try await receiver.wait { $0.json["type"] as? String == "job.succeeded" }
        #expect(
            secret.hasPrefix("whsec_") && WebhookReceiver.verify(signed, secret: secret)
                && WebhookReceiver.verifyLegacy(signed, secret: secret))
        #expect(((signed.json["data"] as? [String: Any])?["job_id"] as? String) == id)

        // Favourites are the server's: starred twice is starred once, listed by `favourite=true`, unstarred.
        #expect(job["favourite"] as? Bool == false)
        for _ in 0..<2 {
            let starred = try await jobs.http.call("PUT", "/api/v1/jobs/\(id)/favourite", bearer: user.access)
            #expect(starred.status == 200 && starred.json["favourite"] as? Bool == true, "\(starred.text)")
        }
        let favourites = try await jobs.http.call("GET", "/api/v1/jobs?favourite=true", bearer: user.access)
        #expect((favourites.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
        let unstarred = try await jobs.http.call("DELETE", "/api/v1/jobs/\(id)/favourite", bearer: user.access)
        #expect(unstarred.status == 200 && unstarred.json["favourite"] as? Bool == false)
        let none = try await jobs.http.call("GET", "/api/v1/jobs?favourite=true", bearer: user.access)
        #expect((none.json["items"] as? [[String: Any]])?.isEmpty == true)

        // A job's title is its photo's name; `search` finds it ignoring case, LIKE's wildcards as text.
        #expect(job["title"] as? String == "holiday.jpg")
        for (search, found) in [("HOLI", [id]), ("%25", []), ("_oliday", []), ("beach", [])] {
            let listed = try await jobs.http.call("GET", "/api/v1/jobs?search=\(search)", bearer: user.access)
            #expect(
                (listed.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == found, "\(search)")
        }
        let tooLong = try await jobs.http.call(
            "GET", "/api/v1/jobs?search=\(String(repeating: "x", count: 101))", bearer: user.access)
        #expect(tooLong.status == 400 && tooLong.text.contains("search"), "\(tooLong.text)")

        // A batch of three: preview the cost, submit, watch it finish, download the zip.
        var photos: [String] = []
        for index in 0..<3 {
            photos.append(
                try await jobs.upload(user.access, width: 800 + index * 10, height: 600, name: "p\(index).jpg"))
        }
        let batchSteps: [[String: Any]] = [
            ["operation": "resize", "parameters": ["width": "300", "height": "300"]],
            ["operation": "convert", "parameters": ["format": "png"]],
        ]
        let quote = try await jobs.http.call(
            "POST", "/api/v1/batches/quote", json: ["input_file_ids": photos, "steps": batchSteps], bearer: user.access)
        #expect(quote.status == 200 && quote.json["total_credits"] as? Int == 6 && quote.json["job_count"] as? Int == 3)
        #expect(quote.json["available_credits"] as? Int == 48)
        let batch = try await jobs.http.call(
            "POST", "/api/v1/batches", json: ["input_file_ids": photos, "steps": batchSteps],
            bearer: user.access, headers: ["Idempotency-Key": "batch-1"])
        #expect(batch.status == 201, "\(batch.text)")
        let batchID = try #require(batch.json["id"] as? String)
        // Watched over SSE, no polling: the batch and its three jobs first, then each change, until final.
        let watched = try await jobs.http.call("GET", "/api/v1/batches/\(batchID)/events", bearer: user.access)
        #expect(watched.status == 200 && watched.headers["content-type"] == "text/event-stream")
        let sent = Self.serverSentEvents(watched.text)
        #expect(sent.first?.name == "batch" && sent.prefix(4).dropFirst().allSatisfy { $0.name == "job" })
        #expect(Set(sent.prefix(4).dropFirst().compactMap { $0.value["id"] as? String }).count == 3)
        let lastOfEachJob = Dictionary(
            sent.filter { $0.name == "job" }.map { ($0.value["id"] as? String ?? "", $0.value) },
            uniquingKeysWith: { _, later in later })
        #expect(lastOfEachJob.count == 3 && lastOfEachJob.values.allSatisfy { $0["status"] as? String == "succeeded" })
        let state = try #require(sent.last { $0.name == "batch" }?.value)
        #expect(state["status"] as? String == "succeeded", "\(watched.text)")
        #expect(
            state["progress"] as? Int == 100 && (state["output_file_ids"] as? [String])?.count == 3
                && state["charged_credits"] as? Int == 6)
        let zip = try await jobs.http.call("GET", "/api/v1/batches/\(batchID)/zip", bearer: user.access)
        #expect(zip.status == 200 && zip.headers["content-type"] == "application/zip")
        #expect(zip.body.prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]))
        let names = try await ZipCheck.entries(Array(zip.body)).keys
        #expect(names.sorted() == ["p0-convert+resize.png", "p1-convert+resize.png", "p2-convert+resize.png"])
        try await waitUntil { try await jobs.balance(user.id).total == 42 }
        #expect(try await jobs.balance(user.id).held == 0)
        #expect(try await LedgerInvariants.hold(for: user.id, in: jobs.billingDatabase))
        _ = try await receiver.wait { $0.json["type"] as? String == "batch.completed" }

        // The delivery log: the first attempt got a 500 and was retried.
        let log = try await jobs.http.call("GET", "/api/v1/webhooks/\(hookID)/deliveries", bearer: user.access)
        let entries = try #require(log.json["items"] as? [[String: Any]])
        #expect(entries.allSatisfy { $0["status"] as? String == "delivered" })
        #expect(
            entries.contains { ($0["attempts"] as? Int ?? 0) >= 2 && $0["last_status_code"] as? Int == 204 },
            "\(entries)")

        // Someone else sees none of it.
        let stranger = try await jobs.user("stranger@imageswiss.test", credits: 0)
        #expect(try await jobs.http.call("GET", "/api/v1/jobs/\(id)", bearer: stranger.access).status == 404)
        #expect(try await jobs.http.call("POST", "/api/v1/jobs/\(id)/cancel", bearer: stranger.access).status == 404)
        #expect(
            try await jobs.http.call("GET", "/api/v1/batches/\(batchID)/zip", bearer: stranger.access).status == 404)
        let strangersList = try await jobs.http.call("GET", "/api/v1/batches/\(batchID)/jobs", bearer: stranger.access)
        #expect(strangersList.status == 404 && strangersList.errorCode == "not_found", "\(strangersList.text)")
        #expect(
            (try await jobs.http.call("GET", "/api/v1/batches/\(batchID)/jobs", bearer: user.access).json["items"]
                as? [Any])?.count == 3)
        #expect(
            try await jobs.http.call("GET", "/api/v1/webhooks/\(hookID)/deliveries", bearer: stranger.access).status
                == 404)
        #expect(
            (try await jobs.http.call("GET", "/api/v1/jobs", bearer: stranger.access).json["items"] as? [Any])?.isEmpty
                == true)
    }

    @Test func lowCreditsWarningReachesWebhooks() async throws {
        let jobs = try await JobsStack.start()
        let receiver = try await WebhookReceiver()
        defer {
            Task {
                await jobs.stop()
                receiver.stop()
            }
        }
        let user = try await jobs.user("thrifty@imageswiss.test", credits: 3)  // 6 with the free tier's
        let hook = try await jobs.http.call(
            "POST", "/api/v1/webhooks", json: ["url": receiver.url, "events": ["credits.low"]], bearer: user.access)
        #expect(hook.status == 201)
        let photo = try await jobs.upload(user.access)
        // Two 1-credit jobs take the balance from 6 to 4, below Billing's threshold of 5.
        for _ in 0..<2 {
            let job = try await jobs.submit(user.id, steps: [("resize", ["width": "64"])], inputs: [photo])
            #expect(try await jobs.finished(job.jobID, token: user.access)["status"] as? String == "succeeded")
        }
        let warning = try await receiver.wait { $0.json["type"] as? String == "credits.low" }
        #expect(((warning.json["data"] as? [String: Any])?["balance"] as? Int) == 4, "\(warning.json)")
        #expect(WebhookReceiver.verify(warning, secret: hook.json["secret"] as? String ?? ""))
        #expect(
            receiver.deliveries.allSatisfy { $0.json["type"] as? String == "credits.low" },
            "only the events it asked for")
    }

    @Test func refusalsWriteNothing() async throws {
        let jobs = try await JobsStack.start(["JOBS_MAX_BATCH_INPUTS": "4", "JOBS_WEBHOOK_ALLOW_HTTP": "false"])
        defer { Task { await jobs.stop() } }
        // The free tier's monthly 3 credits only.
        let user = try await jobs.user("careful@imageswiss.test", credits: 0)
        let other = try await jobs.user("other@imageswiss.test", credits: 0)
        let mine = try await jobs.upload(user.access)
        let theirs = try await jobs.upload(other.access)
        let resize: [[String: Any]] = [["operation": "resize", "parameters": ["width": "100"]]]

        func submit(_ body: [String: Any], path: String = "/api/v1/jobs") async throws -> HTTPReply {
            try await jobs.http.call("POST", path, json: body, bearer: user.access)
        }
        let unknown = try await submit(["input_file_id": mine, "steps": [["operation": "teleport"]]])
        #expect(unknown.status == 400 && unknown.errorCode == "unknown_tool")
        let missing = try await submit(["input_file_id": UUID().uuidString.lowercased(), "steps": resize])
        #expect(missing.status == 404 && missing.errorCode == "input_not_found")
        let foreign = try await submit(["input_file_id": theirs, "steps": resize])
        #expect(foreign.status == 404 && foreign.errorCode == "input_not_found")
        let garbage = try await submit(["input_file_id": "../../etc/passwd", "steps": resize])
        #expect(garbage.status == 404 && garbage.errorCode == "input_not_found")
        var many: [String] = [mine]
        for _ in 0..<4 { many.append(try await jobs.upload(user.access)) }
        let tooMany = try await submit(["input_file_ids": many, "steps": resize], path: "/api/v1/batches")
        #expect(tooMany.status == 400 && tooMany.errorCode == "batch_too_large")
        let poor = try await submit(
            ["input_file_ids": Array(many.prefix(4)), "steps": resize], path: "/api/v1/batches")
        #expect(poor.status == 402 && poor.errorCode == "insufficient_credits", "\(poor.status) \(poor.text)")
        let noProvider = try await submit(["input_file_id": mine, "steps": [["operation": "colourization"]]])
        #expect(noProvider.status == 409 && noProvider.errorCode == "provider_not_configured")
        // The catalogue says so before anyone submits: what the web app offers is what runs here.
        let catalogue = try #require(
            try await jobs.http.call("GET", "/api/v1/operations").json["items"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: catalogue.map { ($0["name"] as? String ?? "", $0) })
        #expect(
            byName["colourization"]?["available"] as? Bool == false
                && byName["colourization"]?["unavailable_reason"] as? String == "provider_not_configured")
        #expect(byName["resize"]?["available"] as? Bool == true && byName["noop"] == nil)
        let width = try #require(
            (byName["resize"]?["parameters"] as? [[String: Any]])?.first { $0["name"] as? String == "width" })
        #expect(
            width["type"] as? String == "integer" && width["required"] as? Bool == true && width["minimum"] as? Int == 1
        )
        // Parameters are checked against it, naming the field: unknown names, ranges, types, required ones.
        for (steps, field): ([[String: Any]], String) in [
            ([["operation": "resize", "parameters": ["width": 100, "colour": "red"]]], "steps[0].parameters.colour"),
            ([["operation": "resize", "parameters": ["width": 0]]], "steps[0].parameters.width"),
            (
                [["operation": "grayscale"], ["operation": "blur", "parameters": ["sigma": "soft"]]],
                "steps[1].parameters.sigma"
            ),
            ([["operation": "crop", "parameters": ["left": 0, "top": 0, "width": 10]]], "steps[0].parameters.height"),
        ] {
            let refused = try await submit(["input_file_id": mine, "steps": steps])
            let error = refused.json["error"] as? [String: Any]
            #expect(
                refused.status == 400 && refused.errorCode == "invalid_parameter"
                    && error?["field"] as? String == field, "\(refused.text)")
        }
        let noSteps = try await submit(["input_file_id": mine, "steps": [] as [Any]])
        #expect(noSteps.status == 400)
        // Webhooks go to public https hosts only (outside development).
        for target in [
            "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest", "https://[::1]/x",
            "https://localhost/x", "http://hooks.example.com/x", "not a url",
        ] {
            let refused = try await jobs.http.call(
                "POST", "/api/v1/webhooks", json: ["url": target], bearer: user.access)
            #expect(refused.status == 400 && refused.errorCode == "invalid_url", "\(target): \(refused.status)")
        }
        let unknownEvent = try await jobs.http.call(
            "POST", "/api/v1/webhooks", json: ["url": "https://hooks.example.com/x", "events": ["job.exploded"]],
            bearer: user.access)
        #expect(unknownEvent.status == 400 && unknownEvent.errorCode == "invalid_events")
        #expect(
            try await jobs.http.call(
                "POST", "/api/v1/webhooks", json: ["url": "https://hooks.example.com/x"], bearer: user.access
            ).status == 201)
        // Nothing queued, nothing held: the three credits are all still available.
        #expect(try await jobs.count("SELECT count(*) FROM jobs") == 0)
        #expect(try await jobs.count("SELECT count(*) FROM batches") == 0)
        #expect(try await jobs.count("SELECT count(*) FROM holds WHERE state = 'open'", billing: true) == 0)
        let balance = try await jobs.balance(user.id)
        #expect(balance.available == 3 && balance.held == 0)
        // The same key for another request is refused.
        _ = try await jobs.http.call(
            "POST", "/api/v1/jobs", json: ["input_file_id": mine, "steps": resize], bearer: user.access,
            headers: ["Idempotency-Key": "k"])
        let reused = try await jobs.http.call(
            "POST", "/api/v1/jobs", json: ["input_file_id": many[1], "steps": resize], bearer: user.access,
            headers: ["Idempotency-Key": "k"])
        #expect(reused.status == 409 && reused.errorCode == "idempotency_key_reused", "\(reused.status) \(reused.text)")
    }

    /// The `event:` / `data:` pairs of a Server-Sent Events body, data decoded as JSON objects.
    static func serverSentEvents(_ text: String) -> [(name: String, value: [String: Any])] {
        text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.components(separatedBy: "\n")
            guard let name = lines.first(where: { $0.hasPrefix("event: ") })?.dropFirst(7),
                let data = lines.first(where: { $0.hasPrefix("data: ") })?.dropFirst(6),
                let value = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
            else { return nil }
            return (String(name), value)
        }
    }
}
