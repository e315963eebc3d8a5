import Curl
import Foundation

/// An OpenAI-compatible Images API: `POST /v1/images/generations` for a prompt, and
/// `POST /v1/images/edits` (multipart) when the step has an input picture. Answers carry the
/// image as `b64_json` or as a `url` to fetch.
struct OpenAIImages: ImageProvider {
    let baseURL: String
    let apiKey: String
    let model: String
    let timeout: Duration
    let curl: CurlClient
    var name: String { "openai" }

    func run(_ operation: String, input: Data?, parameters: [String: String], isCanceled: @Sendable () -> Bool)
        async throws -> Data
    {
        let prompt = parameters["prompt"] ?? Self.defaultPrompt(operation)
        let size = parameters["size"] ?? "1024x1024"
        var request: CurlRequest
        if let input {
            let form = MultipartForm()
            form.field("model", self.model)
            form.field("prompt", prompt)
            form.field("size", size)
            form.field("n", "1")
            form.file("image", filename: "input.png", contentType: "image/png", data: input)
            request = CurlRequest(
                method: "POST", url: self.baseURL + "/v1/images/edits",
                headers: [("Content-Type", form.contentType)], body: form.finished, timeout: self.timeout)
        } else {
            let body: [String: Any] = ["model": self.model, "prompt": prompt, "n": 1, "size": size]
            request = CurlRequest(
                method: "POST", url: self.baseURL + "/v1/images/generations",
                headers: [("Content-Type", "application/json")],
                body: Array(try JSONSerialization.data(withJSONObject: body)), timeout: self.timeout)
        }
        request.headers.append(("Authorization", "Bearer \(self.apiKey)"))
        let answer = try ProviderHTTP.check(
            try await ProviderHTTP.send(self.curl, request, provider: self.name), provider: self.name)
        guard let first = (answer["data"] as? [[String: Any]])?.first else {
            throw JobRunError.permanent("openai answered no image")
        }
        if let encoded = first["b64_json"] as? String {
            guard let data = Data(base64Encoded: encoded) else {
                throw JobRunError.permanent("openai answered an image that is not base64")
            }
            return data
        }
        if let url = first["url"] as? String {
            return try await ProviderHTTP.download(self.curl, url, provider: self.name, timeout: self.timeout)
        }
        throw JobRunError.permanent("openai answered neither b64_json nor url")
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

/// multipart/form-data, for the edits endpoint.
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
