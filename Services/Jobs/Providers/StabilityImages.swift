import Curl
import Foundation

/// Stability AI's Stable Image API (v2beta): `POST /v2beta/stable-image/{reference}` as
/// multipart/form-data with `Accept: image/*`, where the model's reference names the service —
/// `generate/core`, `generate/ultra`, `generate/sd3`, `edit/remove-background`, `edit/inpaint`,
/// `edit/search-and-replace`, `edit/erase`, `upscale/fast`, `upscale/conservative`. The answer is
/// the picture's bytes; a `finish-reason: CONTENT_FILTERED` header is the content filter's refusal.
/// One picture per call: a count of n makes n calls, seeds counting up from the one asked.
struct StabilityImages: ImageProvider {
    let baseURL: String
    let apiKey: String
    let timeout: Duration
    let curl: CurlClient
    var name: String { "stability" }

    /// The form fields each service takes from a step's parameters.
    static let fields = ["prompt", "negative_prompt", "aspect_ratio", "seed", "search_prompt", "style_preset", "model"]

    func run(_ request: ProviderRequest, isCanceled: @Sendable () -> Bool) async throws -> ProviderAnswer {
        guard request.reference.range(of: "^[a-z0-9-]+/[a-z0-9-]+$", options: .regularExpression) != nil else {
            throw JobRunError.permanent("stability: '\(request.reference.prefix(64))' is not a service path")
        }
        var images: [Data] = []
        let seed = request.parameters["seed"].flatMap { Int($0) }
        for index in 0..<max(1, request.count) {
            if isCanceled() { throw JobRunError.permanent("canceled") }
            var parameters = request.parameters
            if let seed { parameters["seed"] = "\(seed + index)" }
            images.append(try await self.once(request, parameters: parameters))
        }
        return ProviderAnswer(images: images)
    }

    private func once(_ request: ProviderRequest, parameters: [String: String]) async throws -> Data {
        let form = MultipartForm()
        for name in Self.fields {
            guard let value = parameters[name], !value.isEmpty else { continue }
            // A generation from an input picture takes its shape from the picture.
            if name == "aspect_ratio" && request.input != nil { continue }
            form.field(name, value)
        }
        if request.reference.hasPrefix("generate/") && parameters["prompt"] == nil {
            form.field("prompt", OpenAIImages.defaultPrompt(request.operation))
        }
        if request.reference.hasPrefix("edit/search-and-replace") && parameters["search_prompt"] == nil {
            throw JobRunError.permanent("stability: search-and-replace needs search_prompt (what to replace)")
        }
        form.field("output_format", "png")
        if let input = request.input {
            form.file("image", filename: "input.png", contentType: "application/octet-stream", data: input)
            if request.reference.hasPrefix("generate/") { form.field("strength", parameters["strength"] ?? "0.7") }
        }
        if let mask = request.mask {
            form.file("mask", filename: "mask.png", contentType: "application/octet-stream", data: mask)
        }
        let call = CurlRequest(
            method: "POST", url: self.baseURL + "/v2beta/stable-image/" + request.reference,
            headers: [
                ("Content-Type", form.contentType), ("Accept", "image/*"), ("Authorization", "Bearer \(self.apiKey)"),
                ("Stability-Client-ID", "imageswiss"),
            ],
            body: form.finished, timeout: self.timeout)
        let response = try await ProviderHTTP.send(self.curl, call, provider: self.name)
        guard (200..<300).contains(response.status) else {
            _ = try ProviderHTTP.check(response, provider: self.name)
            throw JobRunError.permanent("stability answered \(response.status)")
        }
        if response.headers["finish-reason"]?.uppercased() == "CONTENT_FILTERED" {
            throw JobRunError.permanent(
                "\(JobRunError.contentRefused): stability's content filter withheld the picture (finish-reason CONTENT_FILTERED)"
            )
        }
        return Data(response.body)
    }
}
