import Curl
import Foundation

/// Together AI's fine-tuning for FLUX LoRAs: the photos' zip is uploaded by `POST /v1/files/upload`
/// (purpose fine-tune), `POST /v1/fine-tunes` {training_file, model, lora: true, suffix,
/// trigger_word} starts the job, `GET /v1/fine-tunes/{id}` is polled (pending, queued, running,
/// compressing, uploading → completed; error, cancelled) and `POST /v1/fine-tunes/{id}/cancel`
/// stops it. A completed job's `model_output_name` is the adapter: generation calls the trainer's
/// `inference_model` (default black-forest-labs/FLUX.1-dev-lora) with it in `image_loras`.
struct TogetherFineTuning: ModelTrainer {
    let baseURL: String
    let apiKey: String
    let curl: CurlClient
    var name: String { "together" }
    /// What generation calls with a trained LoRA unless the trainer model names another.
    static let inferenceModel = "black-forest-labs/FLUX.1-dev-lora"

    func start(_ request: TrainingRequest) async throws -> String {
        let form = MultipartForm()
        form.field("purpose", "fine-tune")
        form.field("file_name", "\(request.suffix).zip")
        form.file("file", filename: "\(request.suffix).zip", contentType: "application/zip", data: request.photosZip)
        let upload = try await ProviderHTTP.upload(
            self.curl, self.baseURL + "/v1/files/upload", form: form, bearer: self.apiKey, provider: self.name)
        let file = try ProviderPolling.id(upload, provider: self.name)
        var body: [String: Any] = [
            "training_file": file, "model": request.reference, "lora": true, "suffix": request.suffix,
            "trigger_word": request.triggerWord,
        ]
        for (name, value) in request.parameters where name != "inference_model" {
            body[name] = Int(value).map { $0 as Any } ?? value
        }
        let job = try await ProviderHTTP.call(
            self.curl, "POST", self.baseURL + "/v1/fine-tunes", bearer: self.apiKey,
            body: Array(try JSONSerialization.data(withJSONObject: body)), provider: self.name)
        return try ProviderPolling.id(job, provider: self.name)
    }

    func poll(_ id: String) async throws -> TrainingState {
        let job = try await ProviderHTTP.call(
            self.curl, "GET", self.baseURL + "/v1/fine-tunes/\(id)", bearer: self.apiKey, body: nil, provider: self.name
        )
        switch job["status"] as? String {
        case "completed":
            guard let output = job["model_output_name"] as? String, !output.isEmpty else {
                throw JobRunError.permanent("together: a completed fine-tune without model_output_name")
            }
            return .succeeded(Trained(reference: "", parameters: ["lora": output], costMicros: nil))
        case "error", "failed":
            let events = job["events"] as? [[String: Any]] ?? []
            return .failed(events.last?["message"] as? String ?? "the fine-tune failed")
        case "cancelled", "cancel_requested": return .canceled
        case "pending", "queued": return .running(percent: 5)
        case "running", "compressing", "uploading":
            let total = (job["total_steps"] as? Int) ?? 0
            let done = (job["steps_completed"] as? Int) ?? 0
            return .running(percent: total > 0 ? 10 + 80 * done / total : 50)
        default: throw JobRunError.permanent("together answered an unknown fine-tune status")
        }
    }

    func cancel(_ id: String) async {
        _ = try? await ProviderHTTP.call(
            self.curl, "POST", self.baseURL + "/v1/fine-tunes/\(id)/cancel", bearer: self.apiKey, body: [],
            provider: self.name)
    }
}
