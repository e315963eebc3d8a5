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
        let created = try await self.call("POST", "/v1/predictions", body: Array(body))
        let id = try ProviderPolling.id(created, provider: self.name)
        let prediction = try await ProviderPolling.wait(
            provider: self.name, first: created, interval: self.pollInterval, timeout: self.timeout,
            isCanceled: isCanceled,
            state: { prediction in
                switch prediction["status"] as? String {
                case "succeeded": return .succeeded
                case "failed": return .failed(String(describing: prediction["error"] ?? "no reason given"))
                case "canceled": return .canceled
                case "starting", "processing": return .running
                default: throw JobRunError.permanent("replicate answered an unknown prediction status")
                }
            },
            poll: { try await self.call("GET", "/v1/predictions/\(id)", body: nil) },
            cancel: { _ = try? await self.call("POST", "/v1/predictions/\(id)/cancel", body: []) })
        return try await self.output(prediction)
    }

    private func call(_ method: String, _ path: String, body: [UInt8]?) async throws -> [String: Any] {
        try await ProviderHTTP.call(
            self.curl, method, self.baseURL + path, bearer: self.token, body: body, provider: self.name)
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
