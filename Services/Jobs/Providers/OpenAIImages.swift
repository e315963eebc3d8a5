import Curl
import Foundation

/// An OpenAI-compatible Images API: `POST /v1/images/generations` for a prompt, and
/// `POST /v1/images/edits` (multipart) when the step has an input picture. Answers carry each
/// image as `b64_json` or as a `url` to fetch.
struct OpenAIImages: ImageProvider {
    let baseURL: String
    let apiKey: String
    let timeout: Duration
    let curl: CurlClient
    var name: String { "openai" }

    func run(_ request: ProviderRequest, isCanceled: @Sendable () -> Bool) async throws -> ProviderAnswer {
        let prompt = request.parameters["prompt"] ?? Self.defaultPrompt(request.operation)
        let size = request.parameters["size"] ?? Self.size(request.parameters)
        var call: CurlRequest
        if let input = request.input {
            let form = MultipartForm()
            form.field("model", request.reference)
            form.field("prompt", prompt)
            form.field("size", size)
            form.field("n", "\(request.count)")
            form.file("image", filename: "input.png", contentType: "image/png", data: input)
            if let mask = request.mask { form.file("mask", filename: "mask.png", contentType: "image/png", data: mask) }
            call = CurlRequest(
                method: "POST", url: self.baseURL + "/v1/images/edits",
                headers: [("Content-Type", form.contentType)], body: form.finished, timeout: self.timeout)
        } else {
            let body: [String: Any] = ["model": request.reference, "prompt": prompt, "n": request.count, "size": size]
            call = CurlRequest(
                method: "POST", url: self.baseURL + "/v1/images/generations",
                headers: [("Content-Type", "application/json")],
                body: Array(try JSONSerialization.data(withJSONObject: body)), timeout: self.timeout)
        }
        call.headers.append(("Authorization", "Bearer \(self.apiKey)"))
        let answer = try ProviderHTTP.check(
            try await ProviderHTTP.send(self.curl, call, provider: self.name), provider: self.name)
        return ProviderAnswer(
            images: try await ProviderHTTP.images(answer, curl: self.curl, provider: self.name, timeout: self.timeout))
    }

    /// The Images API's sizes nearest the aspect ratio asked for.
    static func size(_ parameters: [String: String]) -> String {
        switch parameters["aspect_ratio"] {
        case "4:3", "16:9": "1536x1024"
        case "3:4", "9:16": "1024x1536"
        default: "1024x1024"
        }
    }

    static func defaultPrompt(_ operation: String) -> String {
        switch operation {
        case "colourization": "Colourize this black and white photograph with natural, realistic colours."
        case "remove_background": "Remove the background, keep the subject on a transparent background."
        case "upscale": "Upscale this photo, keeping every detail sharp and faithful."
        default: "A photograph."
        }
    }
}

/// multipart/form-data, for the edits endpoint and Stability's.
final class MultipartForm {
    let boundary = "imageswiss-\(UUID().uuidString)"
    private(set) var bytes: [UInt8] = []
    var contentType: String { "multipart/form-data; boundary=\(self.boundary)" }

    func field(_ name: String, _ value: String) {
        self.bytes += Array(
            "--\(self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    func file(_ name: String, filename: String, contentType: String, data: Data) {
        self.bytes += Array(
            "--\(self.boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n"
                .utf8)
        self.bytes += data
        self.bytes += Array("\r\n".utf8)
    }

    var finished: [UInt8] { self.bytes + Array("--\(self.boundary)--\r\n".utf8) }
}
