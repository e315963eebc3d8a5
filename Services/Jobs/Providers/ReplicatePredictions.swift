import Curl
import Foundation

/// Replicate-style predictions: `POST /v1/predictions` {version, input} creates one, `GET
/// /v1/predictions/{id}` is polled until succeeded, failed or canceled, and `POST
/// /v1/predictions/{id}/cancel` stops it when the job is canceled. The input picture goes as a
/// data URI in `input.image`; the output is a URL (or a list of them) to fetch.
struct ReplicatePredictions: ImageProvider {
    let baseURL: String
    let token: String
    let models: [String: String]
    let pollInterval: Duration
    let timeout: Duration
    let curl: CurlClient
    var name: String { "replicate" }

    func run(_ operation: String, input: Data?, parameters: [String: String], isCanceled: @Sendable () -> Bool)
        async throws -> Data
    {
        guard let version = self.models[operation] else {
            throw JobRunError.permanent("replicate has no model for \(operation)")
        }
        var fields: [String: Any] = parameters
        if let input { fields["image"] = "data:application/octet-stream;base64," + input.base64EncodedString() }
        let body = try JSONSerialization.data(withJSONObject: ["version": version, "input": fields])
        var prediction = try await self.call("POST", "/v1/predictions", body: Array(body))
        let clock = ContinuousClock()
        let end = clock.now + self.timeout
        while true {
            guard let id = prediction["id"] as? String,
                id.range(of: "^[A-Za-z0-9_-]{1,100}$", options: .regularExpression) != nil
            else {
                throw JobRunError.permanent("replicate answered a prediction without a usable id")
            }
            switch prediction["status"] as? String {
            case "succeeded":
                return try await self.output(prediction)
            case "failed":
                throw JobRunError.permanent(
                    "replicate: the prediction failed: \(String(describing: prediction["error"] ?? "no reason given").prefix(300))"
                )
            case "canceled":
                throw JobRunError.permanent("replicate: the prediction was canceled")
            case "starting", "processing":
                if isCanceled() {
                    _ = try? await self.call("POST", "/v1/predictions/\(id)/cancel", body: [])
                    throw JobRunError.permanent("canceled")
                }
                guard clock.now < end else {
                    _ = try? await self.call("POST", "/v1/predictions/\(id)/cancel", body: [])
                    throw JobRunError.transient("replicate: no result within \(self.timeout)")
                }
                try await Task.sleep(for: self.pollInterval)
                prediction = try await self.call("GET", "/v1/predictions/\(id)", body: nil)
            default:
                throw JobRunError.permanent("replicate answered an unknown prediction status")
            }
        }
    }

    private func call(_ method: String, _ path: String, body: [UInt8]?) async throws -> [String: Any] {
        var headers = [("Authorization", "Bearer \(self.token)")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let request = CurlRequest(
            method: method, url: self.baseURL + path, headers: headers, body: body ?? [], timeout: .seconds(30))
        return try ProviderHTTP.check(
            try await ProviderHTTP.send(self.curl, request, provider: self.name), provider: self.name)
    }

    private func output(_ prediction: [String: Any]) async throws -> Data {
        let url: String? =
            switch prediction["output"] {
            case let text as String: text
            case let list as [Any]: list.last as? String
            default: nil
            }
        guard let url else { throw JobRunError.permanent("replicate answered a prediction without an output URL") }
        if url.hasPrefix("data:"), let comma = url.firstIndex(of: ","),
            let data = Data(base64Encoded: String(url[url.index(after: comma)...]))
        {
            return data
        }
        return try await ProviderHTTP.download(self.curl, url, provider: self.name, timeout: self.timeout)
    }
}
