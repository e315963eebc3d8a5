import Foundation
import TestSupport
import Testing

/// The metrics an operator's dashboard and alerts read (deploy/observability/), scraped from the
/// services' metrics ports after one batch through the edge: each counts what happened, by the
/// names and labels the alert rules use.
@Suite("Metrics", .serialized)
struct MetricsTests {
    /// The value of the series `series` (its name and labels exactly as exposed).
    static func value(_ series: String, in exposition: String) -> Double? {
        exposition.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { line in line.split(separator: " ").last.flatMap { Double($0) } }
    }

    @Test func aBatchShowsInEveryServicesMetrics() async throws {
        let ports = try ["EDGE", "JOBS", "BILLING", "STORAGE"].reduce(into: [String: Int]()) { $0[$1] = try freePort() }
        var environment = ["JOBS_QUEUE_METRICS_INTERVAL_MS": "200"]
        for (service, port) in ports { environment["\(service)_METRICS_PORT"] = "\(port)" }
        let stack = try await JobsStack.start(environment)
        do {
            let user = try await stack.user("metrics@imageswiss.test", credits: 50)
            let files = [try await stack.upload(user.access), try await stack.upload(user.access)]
            let before = try await stack.balance(user.id).total
            _ = try await stack.http.succeededBatch(
                files, steps: [["operation": "resize", "parameters": ["width": 300]]], token: user.access)
            // Settled: Jobs captures after the batch ends, a moment later.
            try await waitUntil { try await stack.balance(user.id).held == 0 }
            let spent = before - (try await stack.balance(user.id).total)
            #expect(spent > 0)
            func scrape(_ service: String) async throws -> String {
                try await HTTPTestClient(baseURL: "http://127.0.0.1:\(ports[service]!)").call("GET", "/metrics").text
            }
            // Gauges are sampled every 200 ms (queue) and 5 s (pools, from the start).
            try await Task.sleep(for: .milliseconds(600))
            let edge = try await scrape("EDGE")
            #expect(
                Self.value(
                    #"imageswiss_http_requests_total{route="/api/v1/batches",method="POST",status="201"}"#, in: edge)
                    == 1, "\(edge)")
            #expect(edge.contains(#"imageswiss_http_request_duration_seconds_bucket{route="/api/v1/batches""#))
            #expect(
                Self.value(
                    #"imageswiss_rpc_client_calls_total{method="/imageswiss.jobs.v1.Jobs/SubmitBatch",code="OK"}"#,
                    in: edge)
                    == 1)

            let jobs = try await scrape("JOBS")
            #expect(
                Self.value(#"imageswiss_job_runs_total{operation="resize",outcome="succeeded"}"#, in: jobs) == 2,
                "\(jobs)")
            #expect(Self.value(#"imageswiss_jobs_queue_jobs{lane="batch",state="queued"}"#, in: jobs) == 0)
            #expect(Self.value(#"imageswiss_jobs_unsettled_jobs"#, in: jobs) != nil)
            #expect(jobs.contains(#"imageswiss_db_pool_connections{service="jobs",state="idle"}"#))
            #expect(
                jobs.contains(
                    #"imageswiss_rpc_server_calls_total{method="/imageswiss.jobs.v1.Jobs/SubmitBatch",code="OK"}"#))
            // A streaming call counts once its stream ends: each job read its picture with one.
            #expect(
                (Self.value(
                    #"imageswiss_rpc_client_calls_total{method="/imageswiss.storage.v1.Storage/ReadBlob",code="OK"}"#,
                    in: jobs) ?? 0) >= 2, "\(jobs)")

            let billing = try await scrape("BILLING")
            let held = Self.value(#"imageswiss_billing_credits_total{movement="held"}"#, in: billing) ?? 0
            let captured = Self.value(#"imageswiss_billing_credits_total{movement="captured"}"#, in: billing) ?? 0
            #expect(held >= Double(spent) && captured == Double(spent), "\(billing)")

            let storage = try await scrape("STORAGE")
            #expect(
                Self.value(#"imageswiss_storage_files_stored_total{purpose="upload"}"#, in: storage) == 2, "\(storage)")
            #expect((Self.value(#"imageswiss_storage_stored_bytes_total{purpose="upload"}"#, in: storage) ?? 0) > 1000)
            #expect((Self.value(#"imageswiss_storage_files_stored_total{purpose="result"}"#, in: storage) ?? 0) >= 2)
            #expect((Self.value("imageswiss_storage_disk_free_bytes", in: storage) ?? 0) > 0)
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }
}
