import Foundation
import ImageSamples
import TestSupport
import Testing

/// How jobs end, as docs/api.md promises it: what each ending costs, what the non-pixel tools
/// (OCR, deduplication) answer, what `delete_originals` removes, and the tier's resolution cap.
@Suite(.serialized) struct JobOutcomeTests {
    /// No worker runs, so nothing starts: jobs past their deadline expire and cancelled ones stay
    /// cancelled, each charged nothing, each batch's status derived from its jobs, each ending an event.
    @Test func expiredAndCanceledJobsAreChargedNothing() async throws {
        let jobs = try await JobsStack.start(["JOBS_WORKERS": "0"])
        let receiver = try await WebhookReceiver()
        defer {
            Task {
                await jobs.stop()
                receiver.stop()
            }
        }
        let user = try await jobs.user("late@imageswiss.test", credits: 20)  // + the free tier's 3
        let hook = try await jobs.http.call(
            "POST", "/api/v1/webhooks", json: ["url": receiver.url, "events": ["job.expired", "job.canceled"]],
            bearer: user.access)
        #expect(hook.status == 201, "\(hook.text)")
        var photos: [String] = []
        for index in 0..<5 { photos.append(try await jobs.upload(user.access, width: 640, height: 480 + index)) }
        let steps: [[String: Any]] = [["operation": "convert", "parameters": ["format": "png"]]]

        let late = try await jobs.http.call(
            "POST", "/api/v1/jobs", json: ["input_file_id": photos[0], "steps": steps, "deadline_seconds": 1],
            bearer: user.access)
        #expect(late.status == 201, "\(late.text)")
        let lateID = try #require(late.json["id"] as? String)
        let lateBatch = try await jobs.http.call(
            "POST", "/api/v1/batches",
            json: ["input_file_ids": Array(photos[1...2]), "steps": steps, "deadline_seconds": 1], bearer: user.access)
        let lateBatchID = try #require(lateBatch.json["id"] as? String, "\(lateBatch.text)")
        let dropped = try await jobs.http.call(
            "POST", "/api/v1/batches", json: ["input_file_ids": Array(photos[3...4]), "steps": steps],
            bearer: user.access)
        let droppedID = try #require(dropped.json["id"] as? String, "\(dropped.text)")
        #expect(try await jobs.balance(user.id).held == 5, "each job's quote is held at submission")

        let canceled = try await jobs.http.call("POST", "/api/v1/batches/\(droppedID)/cancel", bearer: user.access)
        #expect(canceled.status == 200, "\(canceled.text)")
        let expired = try await jobs.finished(lateID, token: user.access, timeout: .seconds(20))
        #expect(expired["status"] as? String == "expired" && expired["charged_credits"] as? Int == 0, "\(expired)")
        for (batch, status) in [(lateBatchID, "expired"), (droppedID, "canceled")] {
            var state: [String: Any] = [:]
            try await waitUntil {
                state = try await jobs.http.call("GET", "/api/v1/batches/\(batch)", bearer: user.access).json
                return state["status"] as? String == status
            }
            #expect(state["charged_credits"] as? Int == 0, "\(state)")
        }

        // Every hold released, nothing spent.
        try await waitUntil { try await jobs.balance(user.id).held == 0 }
        #expect(try await jobs.balance(user.id).total == 23)
        #expect(
            try await jobs.count(
                "SELECT count(*) FROM ledger_entries WHERE account_id = $1 AND amount < 0", [user.id], billing: true)
                == 0)
        #expect(try await LedgerInvariants.hold(for: user.id, in: jobs.billingDatabase))
        _ = try await receiver.wait { $0.json["type"] as? String == "job.expired" }
        let canceledEvent = try await receiver.wait { $0.json["type"] as? String == "job.canceled" }
        let canceledJob = (canceledEvent.json["data"] as? [String: Any])?["job_id"] as? String
        let droppedJobs = try await jobs.http.call("GET", "/api/v1/batches/\(droppedID)/jobs", bearer: user.access)
        #expect(
            (droppedJobs.json["items"] as? [[String: Any]])?.contains { $0["id"] as? String == canceledJob } == true)
    }

    /// OCR answers the text and its word boxes as a JSON result; deduplication groups near copies
    /// among a batch's pictures; `delete_originals` removes the input once the job succeeded; a job
    /// that cannot succeed ends `failed`, its hold released, with a `job.failed` event.
    @Test func ocrDeduplicationOriginalsAndFailures() async throws {
        let jobs = try await JobsStack.start()
        let receiver = try await WebhookReceiver()
        defer {
            Task {
                await jobs.stop()
                receiver.stop()
            }
        }
        let user = try await jobs.user("reader@imageswiss.test", credits: 20)
        _ = try await jobs.http.call(
            "POST", "/api/v1/webhooks", json: ["url": receiver.url, "events": ["job.failed"]], bearer: user.access)

        let page = try await jobs.upload(user.access, bytes: try Samples.text("HELLO WORLD 42"), name: "note.png")
        let ocr = try await jobs.http.call(
            "POST", "/api/v1/jobs", json: ["input_file_id": page, "steps": [["operation": "ocr"]]], bearer: user.access)
        let ocrJob = try await jobs.finished(try #require(ocr.json["id"] as? String, "\(ocr.text)"), token: user.access)
        #expect(ocrJob["status"] as? String == "succeeded", "\(ocrJob)")
        let text = try JSONSerialization.jsonObject(with: Data((ocrJob["result"] as? String ?? "").utf8))
        #expect((text as? [String: Any])?["text"] as? String == "HELLO WORLD 42", "\(ocrJob)")
        let words = (text as? [String: Any])?["words"] as? [[String: Any]] ?? []
        #expect(words.map { $0["text"] as? String } == ["HELLO", "WORLD", "42"])
        let stored = try #require((ocrJob["output_file_ids"] as? [String])?.first)
        let textFile = try await jobs.http.call("GET", "/api/v1/files/\(stored)", bearer: user.access)
        #expect(textFile.json["name"] as? String == "note.ocr.json", "\(textFile.text)")

        // Pictures 0 and 3 are one picture (3 re-encoded smaller); 1 and 2 differ.
        let files = try Samples.nearCopies()
        var ids: [String] = []
        for (index, file) in files.enumerated() {
            ids.append(try await jobs.upload(user.access, bytes: file, name: "album\(index).jpg"))
        }
        let dedupe = try await jobs.http.call(
            "POST", "/api/v1/batches", json: ["input_file_ids": ids, "steps": [["operation": "deduplicate"]]],
            bearer: user.access)
        let dedupeID = try #require(dedupe.json["id"] as? String, "\(dedupe.text)")
        let dedupeJobs = try await jobs.http.call("GET", "/api/v1/batches/\(dedupeID)/jobs", bearer: user.access)
        let dedupeItems = try #require(dedupeJobs.json["items"] as? [[String: Any]])
        #expect(dedupeItems.count == 1, "one job compares the whole batch")
        let dedupeJob = try await jobs.finished(try #require(dedupeItems.first?["id"] as? String), token: user.access)
        let groups = try JSONSerialization.jsonObject(with: Data((dedupeJob["result"] as? String ?? "").utf8))
        #expect((groups as? [String: Any])?["groups"] as? [[String]] == [[ids[0], ids[3]]], "\(dedupeJob)")

        let original = try await jobs.upload(user.access, name: "scan.jpg")
        let tidy = try await jobs.http.call(
            "POST", "/api/v1/jobs",
            json: [
                "input_file_id": original, "delete_originals": true,
                "steps": [["operation": "convert", "parameters": ["format": "webp"]]],
            ], bearer: user.access)
        let tidyJob = try await jobs.finished(try #require(tidy.json["id"] as? String), token: user.access)
        #expect(tidyJob["status"] as? String == "succeeded")
        try await waitUntil {
            try await jobs.http.call("GET", "/api/v1/files/\(original)", bearer: user.access).status == 404
        }
        let result = try #require((tidyJob["output_file_ids"] as? [String])?.first)
        #expect(try await jobs.http.call("GET", "/api/v1/files/\(result)", bearer: user.access).status == 200)

        // A crop at x = 1000 fits the 1200-pixel picture, not the 640-pixel one: that job cannot succeed
        // and fails at once (not retried), its hold released; the batch is `failed` (some failed, none left)
        // and is charged for the one success.
        try await waitUntil { try await jobs.balance(user.id).held == 0 }
        let before = try await jobs.balance(user.id).total
        let wide = try await jobs.upload(user.access, width: 1200, height: 900, name: "wide.jpg")
        let narrow = try await jobs.upload(user.access, width: 640, height: 480, name: "narrow.jpg")
        let crop = try await jobs.http.call(
            "POST", "/api/v1/batches",
            json: [
                "input_file_ids": [wide, narrow],
                "steps": [["operation": "crop", "parameters": ["left": 1000, "top": 0, "width": 10, "height": 10]]],
            ], bearer: user.access)
        let cropID = try #require(crop.json["id"] as? String, "\(crop.text)")
        var state: [String: Any] = [:]
        try await waitUntil {
            state = try await jobs.http.call("GET", "/api/v1/batches/\(cropID)", bearer: user.access).json
            return state["status"] as? String == "failed"
        }
        let cropJobs = try #require(
            try await jobs.http.call("GET", "/api/v1/batches/\(cropID)/jobs", bearer: user.access).json["items"]
                as? [[String: Any]])
        let failed = try #require(cropJobs.first { $0["status"] as? String == "failed" }, "\(cropJobs)")
        let succeeded = try #require(cropJobs.first { $0["status"] as? String == "succeeded" }, "\(cropJobs)")
        #expect(failed["attempts"] as? Int == 1 && !(failed["error"] as? String ?? "").isEmpty, "\(failed)")
        let event = try await receiver.wait { $0.json["type"] as? String == "job.failed" }
        #expect((event.json["data"] as? [String: Any])?["job_id"] as? String == failed["id"] as? String)
        let charged = try #require(succeeded["quoted_credits"] as? Int)
        try await waitUntil { try await jobs.balance(user.id).held == 0 }
        #expect(try await jobs.balance(user.id).total == before - Int64(charged))
        #expect(state["charged_credits"] as? Int == charged, "\(state)")
    }

    /// The tier's cap bounds the short side of the restoration plan's outputs: Free 480p, paid 720p;
    /// a picture already within the cap is left alone, and plain conversions are not capped.
    @Test func theTiersResolutionCapBoundsTheShortSide() async throws {
        let jobs = try await JobsStack.start(["JOBS_TIER_CACHE_MS": "0"])
        defer { Task { await jobs.stop() } }
        let user = try await jobs.user("restorer@imageswiss.test", credits: 40)
        func output(_ width: Int, _ height: Int, _ operation: String) async throws -> (Int, Int) {
            let photo = try await jobs.upload(user.access, width: width, height: height)
            let job = try await jobs.http.call(
                "POST", "/api/v1/jobs", json: ["input_file_id": photo, "steps": [["operation": operation]]],
                bearer: user.access)
            let done = try await jobs.finished(
                try #require(job.json["id"] as? String, "\(job.text)"), token: user.access)
            let id = try #require((done["output_file_ids"] as? [String])?.first, "\(done)")
            let file = try await jobs.http.call("GET", "/api/v1/files/\(id)", bearer: user.access).json
            return (file["width"] as? Int ?? 0, file["height"] as? Int ?? 0)
        }
        #expect(try await output(1200, 900, "restoration") == (640, 480))
        #expect(try await output(400, 300, "restoration") == (400, 300))
        #expect(try await output(1200, 900, "grayscale") == (1200, 900))
        try await jobs.billingDatabase.execute(
            "UPDATE subscriptions SET tier = 'plus' WHERE account_id = $1", [user.id])
        #expect(try await output(1200, 900, "restoration") == (960, 720))
        #expect(try await output(900, 1600, "restoration") == (720, 1280))
    }
}
