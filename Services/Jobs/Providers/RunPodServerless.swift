import Curl
import Foundation

/// RunPod serverless endpoints (queue-based): `POST /v2/{endpoint}/run` {"input": {...}} queues a job,
/// `GET /v2/{endpoint}/status/{id}` is polled until COMPLETED, FAILED, CANCELLED or TIMED_OUT, and
/// `POST /v2/{endpoint}/cancel/{id}` stops it when our job is cancelled or times out. One endpoint per
/// operation (a GPU box running, say, a colourisation model behind RunPod's worker SDK).
///
/// The worker is the operator's, so its contract is ours to state: `input.image` carries the picture
/// as base64 (absent for a plain generation) beside the step's parameters as strings; the output is
/// the result picture as base64 or a data URI or a URL — as a string, or under `image`, `image_url`
/// or `url`, or as the first of `images` (a string, or an object with `image`, `data` or `url`).
struct RunPodServerless: ImageProvider {
    let baseURL: String
    let apiKey: String
    let endpoints: [String: String]
    let pollInterval: Duration
    let timeout: Duration
    let curl: CurlClient
    var name: String { "runpod" }

    func run(_ operation: String, input: Data?, parameters: [String: String], isCanceled: @Sendable () -> Bool)
        async throws -> Data
    {
        guard let endpoint = self.endpoints[operation] else {
            throw JobRunError.permanent("runpod has no endpoint for \(operation)")
        }
        var fields: [String: Any] = parameters
        if let input { fields["image"] = input.base64EncodedString() }
        let body = try JSONSerialization.data(withJSONObject: ["input": fields])
        let queued = try await self.call("POST", "/v2/\(endpoint)/run", body: Array(body))
        let id = try ProviderPolling.id(queued, provider: self.name)
        let finished = try await ProviderPolling.wait(
            provider: self.name, first: queued, interval: self.pollInterval, timeout: self.timeout,
            isCanceled: isCanceled,
            state: { job in
                switch job["status"] as? String {
                case "COMPLETED": return .succeeded
                case "FAILED": return .failed(String(describing: job["error"] ?? "no reason given"))
                case "CANCELLED": return .canceled
                case "TIMED_OUT": return .failed("the worker ran out of its execution timeout")
                case "IN_QUEUE", "IN_PROGRESS": return .running
                default: throw JobRunError.permanent("runpod answered an unknown job status")
                }
            },
            poll: { try await self.call("GET", "/v2/\(endpoint)/status/\(id)", body: nil) },
            cancel: { _ = try? await self.call("POST", "/v2/\(endpoint)/cancel/\(id)", body: []) })
        return try await self.picture(in: finished["output"])
    }

    private func call(_ method: String, _ path: String, body: [UInt8]?) async throws -> [String: Any] {
        try await ProviderHTTP.call(
            self.curl, method, self.baseURL + path, bearer: self.apiKey, body: body, provider: self.name)
    }

    /// The result picture wherever the output holds it (the contract above).
    private func picture(in output: Any?) async throws -> Data {
        var value = output
        if let object = value as? [String: Any] {
            value = object["image"] ?? object["image_url"] ?? object["url"] ?? object["images"]
        }
        if let list = value as? [Any] { value = list.first }
        if let object = value as? [String: Any] { value = object["image"] ?? object["data"] ?? object["url"] }
        guard let text = value as? String, !text.isEmpty else {
            throw JobRunError.permanent("runpod's output holds no picture")
        }
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            return try await ProviderHTTP.download(self.curl, text, provider: self.name, timeout: self.timeout)
        }
        let encoded =
            text.hasPrefix("data:") ? String(text[(text.firstIndex(of: ",") ?? text.startIndex)...].dropFirst()) : text
        guard let data = Data(base64Encoded: encoded) else {
            throw JobRunError.permanent("runpod's output is neither base64 nor a URL")
        }
        return data
    }
}
