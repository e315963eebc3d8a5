import Curl
import Foundation

/// Together AI's images endpoint: `POST /v1/images/generations` {model, prompt, width, height, n,
/// steps, seed, negative_prompt, response_format: "base64"}; an input picture goes as a data URI in
/// `image_url`, a personal model's LoRA in `image_loras`. Answers list `data[].b64_json` (or `url`).
struct TogetherImages: ImageProvider {
    let baseURL: String
    let apiKey: String
    let timeout: Duration
    let curl: CurlClient
    var name: String { "together" }

    /// Parameters Together's endpoint takes as numbers.
    static let numeric: Set<String> = ["steps", "seed", "guidance_scale", "guidance"]

    func run(_ request: ProviderRequest, isCanceled: @Sendable () -> Bool) async throws -> ProviderAnswer {
        let size = AspectRatios.size(request.parameters)
        var body: [String: Any] = [
            "model": request.reference,
            "prompt": request.parameters["prompt"] ?? OpenAIImages.defaultPrompt(request.operation),
            "width": size.width, "height": size.height, "n": request.count, "response_format": "base64",
        ]
        for (name, value) in request.parameters where !["prompt", "aspect_ratio", "size", "lora"].contains(name) {
            body[name] =
                Self.numeric.contains(name)
                ? (Double(value).map { $0 == $0.rounded() ? Int($0) as Any : $0 } ?? value) : value
        }
        if let input = request.input { body["image_url"] = "data:image/png;base64," + input.base64EncodedString() }
        if let lora = request.parameters["lora"] { body["image_loras"] = [["path": lora, "scale": 1]] }
        let call = CurlRequest(
            method: "POST", url: self.baseURL + "/v1/images/generations",
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(self.apiKey)")],
            body: Array(try JSONSerialization.data(withJSONObject: body)), timeout: self.timeout)
        let answer = try ProviderHTTP.check(
            try await ProviderHTTP.send(self.curl, call, provider: self.name), provider: self.name)
        return ProviderAnswer(
            images: try await ProviderHTTP.images(answer, curl: self.curl, provider: self.name, timeout: self.timeout))
    }
}
