import Curl
import Foundation

/// Replicate-style predictions: `POST /v1/predictions` {version, input} creates one, `GET
/// /v1/predictions/{id}` is polled until succeeded, failed or canceled, and `POST
/// /v1/predictions/{id}/cancel` stops it when the job is canceled. The input picture goes as a
/// data URI in `input.image`; the output is a URL (or a list of them) to fetch. The model's
/// reference is the version id.
struct ReplicatePredictions: ImageProvider {
    let baseURL: String
    let token: String
    let pollInterval: Duration
    let timeout: Duration
    let curl: CurlClient
    var name: String { "replicate" }

    func run(_ request: ProviderRequest, isCanceled: @Sendable () -> Bool) async throws -> ProviderAnswer {
        var fields: [String: Any] = request.parameters
        if let input = request.input {
            fields["image"] = "data:application/octet-stream;base64," + input.base64EncodedString()
        }
        if request.count > 1 { fields["num_outputs"] = request.count }
        let body = try JSONSerialization.data(withJSONObject: ["version": request.reference, "input": fields])
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
        return ProviderAnswer(images: try await self.output(prediction))
    }

    private func call(_ method: String, _ path: String, body: [UInt8]?) async throws -> [String: Any] {
        try await ProviderHTTP.call(
            self.curl, method, self.baseURL + path, bearer: self.token, body: body, provider: self.name,
            timeout: self.timeout)
    }

    /// Every output URL (or data URI) of a finished prediction.
    private func output(_ prediction: [String: Any]) async throws -> [Data] {
        let urls: [String] =
            switch prediction["output"] {
            case let text as String: [text]
            case let list as [Any]: list.compactMap { $0 as? String }
            default: []
            }
        guard !urls.isEmpty else {
            throw JobRunError.permanent("replicate answered a prediction without an output URL")
        }
        var images: [Data] = []
        for url in urls {
            images.append(
                try await ProviderHTTP.picture(url, curl: self.curl, provider: self.name, timeout: self.timeout))
        }
        return images
    }
}
