import Foundation
import TestSupport
import Testing

/// `Idempotent-Replayed: true` (the IETF Idempotency-Key draft) on every answer the services replay
/// from a key's record, whichever service kept it: a batch (Jobs), a checkout (Billing), a
/// registration (Auth) — and never on a first answer or a call without a key.
@Suite("Idempotent replays", .serialized)
struct IdempotentReplayTests {
    @Test func replaysAreMarkedAndFirstAnswersAreNot() async throws {
        let stack = try await JobsStack.start()
        do {
            let user = try await stack.user("replays@imageswiss.test", credits: 20)
            let file = try await stack.upload(user.access)
            let header = "idempotent-replayed"
            func twice(_ method: String, _ path: String, _ body: [String: Any], bearer: String? = nil) async throws
                -> (HTTPReply, HTTPReply)
            {
                let key = ["Idempotency-Key": UUID().uuidString]
                let first = try await stack.http.call(method, path, json: body, bearer: bearer, headers: key)
                let again = try await stack.http.call(method, path, json: body, bearer: bearer, headers: key)
                return (first, again)
            }
            let batch: [String: Any] = [
                "input_file_ids": [file], "steps": [["operation": "resize", "parameters": ["width": 64]]],
            ]
            let (submitted, resubmitted) = try await twice("POST", "/api/v1/batches", batch, bearer: user.access)
            #expect(submitted.status == 201 && submitted.headers[header] == nil, "\(submitted.text)")
            #expect(
                resubmitted.headers[header] == "true"
                    && resubmitted.json["id"] as? String == submitted.json["id"] as? String)

            let (checkout, again) = try await twice(
                "POST", "/api/v1/billing/checkout", ["pack_id": "starter"], bearer: user.access)
            #expect(checkout.status == 201 && checkout.headers[header] == nil, "\(checkout.text)")
            #expect(again.headers[header] == "true" && again.json["id"] as? String == checkout.json["id"] as? String)

            let registration: [String: Any] = [
                "email": "replayed-signup@imageswiss.test", "password": "correct horse battery staple",
            ]
            let (registered, reregistered) = try await twice("POST", "/api/v1/auth/register", registration)
            #expect(registered.status == 201 && registered.headers[header] == nil, "\(registered.text)")
            #expect(reregistered.status == 201 && reregistered.headers[header] == "true", "\(reregistered.text)")

            // Without a key, a second batch is a new one, not a replay.
            let plain = try await stack.http.call("POST", "/api/v1/batches", json: batch, bearer: user.access)
            #expect(
                plain.status == 201 && plain.headers[header] == nil
                    && plain.json["id"] as? String != submitted.json["id"] as? String)
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }
}
