import Curl
import Foundation

/// RunPod serverless endpoints (queue-based): `POST /v2/{endpoint}/run` {"input": {...}} queues a job,
/// `GET /v2/{endpoint}/status/{id}` is polled until COMPLETED, FAILED, CANCELLED or TIMED_OUT, and
/// `POST /v2/{endpoint}/cancel/{id}` stops it when our job is cancelled or times out. A model whose
/// fixed parameters say `runsync: "true"` uses `POST /v2/{endpoint}/runsync?wait=…` instead (wait:
/// our provider timeout, 1 to 300 s as RunPod allows): a quick job answers in that one call, no poll
/// interval added; one not done by then answers its id and status and is polled like the others.
/// The model's reference is the endpoint id (a GPU box running, say, a colourisation model behind
/// RunPod's worker SDK).
///
/// The worker is the operator's, so its contract is ours to state: `input.image` carries the picture
/// as base64 (absent for a plain generation) beside the step's parameters as strings, `operation`
/// names the operation and `count` how many pictures (when more than one); the output is each
/// result picture as base64 or a data URI or a URL — as a string, or under `image`, `image_url` or
/// `url`, or as the list `images` (strings, or objects with `image`, `data` or `url`).
struct RunPodServerless: ImageProvider {
    let baseURL: String
    let apiKey: String
    let pollInterval: Duration
    let timeout: Duration
    let curl: CurlClient
    var name: String { "runpod" }

    func run(_ request: ProviderRequest, isCanceled: @Sendable () -> Bool) async throws -> ProviderAnswer {
        let endpoint = request.reference
        guard endpoint.range(of: "^[A-Za-z0-9_-]{1,100}$", options: .regularExpression) != nil else {
            throw JobRunError.permanent("runpod: '\(endpoint.prefix(64))' is not an endpoint id")
        }
        var fields: [String: Any] = request.parameters.filter { $0.key != "runsync" }
        fields["operation"] = request.operation
        if request.count > 1 { fields["count"] = request.count }
        if let input = request.input { fields["image"] = input.base64EncodedString() }
        let body = try JSONSerialization.data(withJSONObject: ["input": fields])
        let waitMilliseconds = min(max(self.timeout.milliseconds, 1000), 300_000)
        let queued =
            request.parameters["runsync"] == "true"
            ? try await self.call("POST", "/v2/\(endpoint)/runsync?wait=\(waitMilliseconds)", body: Array(body))
            : try await self.call("POST", "/v2/\(endpoint)/run", body: Array(body))
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
        // RunPod reports the worker's time; the model's unit cost prices it (RunPod bills by GPU-second).
        return ProviderAnswer(images: try await self.pictures(in: finished["output"]))
    }

    private func call(_ method: String, _ path: String, body: [UInt8]?) async throws -> [String: Any] {
        try await ProviderHTTP.call(
            self.curl, method, self.baseURL + path, bearer: self.apiKey, body: body, provider: self.name,
            timeout: self.timeout)
    }

    /// The result pictures wherever the output holds them (the contract above).
    private func pictures(in output: Any?) async throws -> [Data] {
        var value = output
        if let object = value as? [String: Any] {
            value = object["image"] ?? object["image_url"] ?? object["url"] ?? object["images"]
        }
        let values = (value as? [Any]) ?? [value as Any]
        var images: [Data] = []
        for item in values {
            var item: Any? = item
            if let object = item as? [String: Any] { item = object["image"] ?? object["data"] ?? object["url"] }
            guard let text = item as? String, !text.isEmpty else {
                throw JobRunError.permanent("runpod's output holds no picture")
            }
            images.append(
                try await ProviderHTTP.picture(text, curl: self.curl, provider: self.name, timeout: self.timeout))
        }
        guard !images.isEmpty else { throw JobRunError.permanent("runpod's output holds no picture") }
        return images
    }
}
