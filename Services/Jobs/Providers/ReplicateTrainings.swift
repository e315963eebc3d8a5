import Curl
import Foundation

/// Replicate trainings (e.g. ostris/flux-dev-lora-trainer): the photos' zip is uploaded by
/// `POST /v1/files` (multipart `content`), `POST /v1/models/{owner}/{name}/versions/{version}/trainings`
/// {destination, input: {input_images, trigger_word, …}} starts it, `GET /v1/trainings/{id}` is
/// polled and `POST /v1/trainings/{id}/cancel` stops it. The trainer model's reference is
/// "owner/name:version" and its parameters hold `destination` (the operator's model that receives
/// each trained version); a succeeded training's `output.version` is what generation runs.
struct ReplicateTrainings: ModelTrainer {
    let baseURL: String
    let token: String
    let curl: CurlClient
    var name: String { "replicate" }

    func start(_ request: TrainingRequest) async throws -> String {
        let parts = request.reference.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].split(separator: "/").count == 2,
            let destination = request.parameters["destination"]
        else {
            throw JobRunError.permanent(
                "replicate: a trainer's reference is owner/name:version and its parameters name a destination")
        }
        let form = MultipartForm()
        form.file("content", filename: "\(request.suffix).zip", contentType: "application/zip", data: request.photosZip)
        let file = try await ProviderHTTP.upload(
            self.curl, self.baseURL + "/v1/files", form: form, bearer: self.token, provider: self.name)
        guard let url = (file["urls"] as? [String: Any])?["get"] as? String else {
            throw JobRunError.permanent("replicate answered a file without urls.get")
        }
        var input: [String: Any] = ["input_images": url, "trigger_word": request.triggerWord]
        for (name, value) in request.parameters where name != "destination" {
            input[name] = Int(value).map { $0 as Any } ?? value
        }
        let training = try await ProviderHTTP.call(
            self.curl, "POST", self.baseURL + "/v1/models/\(parts[0])/versions/\(parts[1])/trainings",
            bearer: self.token,
            body: Array(try JSONSerialization.data(withJSONObject: ["destination": destination, "input": input])),
            provider: self.name)
        return try ProviderPolling.id(training, provider: self.name)
    }

    func poll(_ id: String) async throws -> TrainingState {
        let training = try await ProviderHTTP.call(
            self.curl, "GET", self.baseURL + "/v1/trainings/\(id)", bearer: self.token, body: nil, provider: self.name)
        switch training["status"] as? String {
        case "succeeded":
            guard let version = (training["output"] as? [String: Any])?["version"] as? String,
                let hash = version.split(separator: ":").last
            else { throw JobRunError.permanent("replicate: a succeeded training without output.version") }
            return .succeeded(Trained(reference: String(hash), parameters: [:], costMicros: nil))
        case "failed": return .failed(String(describing: training["error"] ?? "the training failed"))
        case "canceled": return .canceled
        case "starting": return .running(percent: 5)
        case "processing": return .running(percent: 50)
        default: throw JobRunError.permanent("replicate answered an unknown training status")
        }
    }

    func cancel(_ id: String) async {
        _ = try? await ProviderHTTP.call(
            self.curl, "POST", self.baseURL + "/v1/trainings/\(id)/cancel", bearer: self.token, body: [],
            provider: self.name)
    }
}
