import Curl
import Foundation

/// One AI run at a provider: the model (the provider's name for it), an input picture (none for a
/// plain generation), the step's parameters and how many pictures to make. The worker checks every
/// answered picture with ImageOps before storing it, so a provider's garbage never becomes a result.
struct ProviderRequest: Sendable {
    var operation: String
    /// `ai_models.reference`: a model name, a version, an endpoint id, a path or a workflow.
    var reference: String
    var input: Data?
    /// White where to change, black elsewhere (inpainting, erasing), when the step named one.
    var mask: Data?
    /// The request's parameters under the model's fixed ones; `model`, `preset` and `count` are not sent.
    var parameters: [String: String]
    var count: Int = 1
}

struct ProviderAnswer: Sendable {
    var images: [Data]
    /// What the run cost at the provider, when its answer says (micro-dollars).
    var costMicros: Int64?
}

protocol ImageProvider: Sendable {
    /// The kind: openai, replicate, runpod, together, stability, comfyui.
    var name: String { get }
    func run(_ request: ProviderRequest, isCanceled: @Sendable () -> Bool) async throws -> ProviderAnswer
}

/// The output sizes of the aspect ratios a generation may ask for: about a megapixel, sides
/// multiples of 64, as the FLUX and SDXL families expect.
enum AspectRatios {
    static let sizes: [String: (width: Int, height: Int)] = [
        "1:1": (1024, 1024), "4:3": (1152, 896), "3:4": (896, 1152), "16:9": (1344, 768), "9:16": (768, 1344),
    ]

    static func size(_ parameters: [String: String]) -> (width: Int, height: Int) {
        self.sizes[parameters["aspect_ratio"] ?? "1:1"] ?? (1024, 1024)
    }
}

/// HTTP answers as run errors: 429 and 5xx may pass (Retry-After honoured), other 4xx will not.
enum ProviderHTTP {
    static func check(_ response: CurlResponse, provider: String) throws -> [String: Any] {
        switch response.status {
        case 200..<300:
            guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
                throw JobRunError.permanent("\(provider) answered something that is not a JSON object")
            }
            return object
        case 402:
            throw JobRunError.permanent("\(provider) refused the run: the account there has no funds left (402)")
        case 400..<500 where Self.isContentRefusal(response):
            throw JobRunError.permanent(
                "\(JobRunError.contentRefused): \(provider) refused the request under its content policy: \(Self.message(response))"
            )
        case 429:
            let seconds = response.headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 5
            throw JobRunError.transient(
                "\(provider) is rate limiting (429)", retryAfter: .seconds(min(max(seconds, 1), 3600)))
        case 500..<600:
            throw JobRunError.transient("\(provider) failed with \(response.status)")
        default:
            throw JobRunError.permanent(
                "\(provider) refused the request (\(response.status)): \(Self.message(response))")
        }
    }

    /// Whether a refusal is the provider's content policy (OpenAI's content_policy_violation,
    /// Stability's content_moderation, a NSFW flag) rather than a bad request.
    static func isContentRefusal(_ response: CurlResponse) -> Bool {
        let text = String(decoding: response.body.prefix(4096), as: UTF8.self).lowercased()
        return ["content_policy", "content_moderation", "moderation_blocked", "nsfw", "safety system"].contains {
            text.contains($0)
        }
    }

    /// A provider's own error text, when its body says one.
    static func message(_ response: CurlResponse) -> String {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        if let error = object?["error"] as? [String: Any], let text = error["message"] as? String {
            return String(text.prefix(300))
        }
        if let text = (object?["detail"] ?? object?["error"]) as? String { return String(text.prefix(300)) }
        if let errors = object?["errors"] as? [String], let first = errors.first { return String(first.prefix(300)) }
        return String(decoding: response.body.prefix(300), as: UTF8.self)
    }

    /// A transport failure (refused, timed out): another attempt may pass.
    static func send(_ curl: CurlClient, _ request: CurlRequest, provider: String) async throws -> CurlResponse {
        do {
            return try await curl.send(request)
        } catch let error as CurlError {
            throw JobRunError.transient("\(provider) unreachable: \(error.description)")
        }
    }

    /// The longest one JSON call (queue a run, poll it) may take; a run's own timeout may be shorter.
    static let callTimeout: Duration = .seconds(30)

    /// One JSON call with a bearer credential, its answer checked as `check` says.
    static func call(
        _ curl: CurlClient, _ method: String, _ url: String, bearer: String, body: [UInt8]?, provider: String,
        timeout: Duration = Self.callTimeout
    ) async throws -> [String: Any] {
        var headers = [("Authorization", "Bearer \(bearer)")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let request = CurlRequest(
            method: method, url: url, headers: headers, body: body ?? [], timeout: min(timeout, Self.callTimeout))
        return try Self.check(try await Self.send(curl, request, provider: provider), provider: provider)
    }

    /// One multipart/form-data upload (a training zip, a workflow's input picture), its JSON answer
    /// checked as `check` says.
    static func upload(
        _ curl: CurlClient, _ url: String, form: MultipartForm, bearer: String?, provider: String,
        timeout: Duration = .seconds(300)
    ) async throws -> [String: Any] {
        var headers = [("Content-Type", form.contentType)]
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        let request = CurlRequest(method: "POST", url: url, headers: headers, body: form.finished, timeout: timeout)
        return try Self.check(try await Self.send(curl, request, provider: provider), provider: provider)
    }

    /// Downloads a result the provider names by URL.
    static func download(_ curl: CurlClient, _ url: String, provider: String, timeout: Duration) async throws -> Data {
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw JobRunError.permanent("\(provider) named an output that is not a URL")
        }
        let response = try await Self.send(curl, CurlRequest(url: url, timeout: timeout), provider: provider)
        guard response.status == 200 else {
            throw response.status >= 500
                ? JobRunError.transient("\(provider) output download failed (\(response.status))")
                : JobRunError.permanent("\(provider) output download failed (\(response.status))")
        }
        return Data(response.body)
    }
}

extension ProviderHTTP {
    /// The pictures of an Images-API-shaped answer (OpenAI, Together): `data[].b64_json` or `data[].url`.
    static func images(_ answer: [String: Any], curl: CurlClient, provider: String, timeout: Duration) async throws
        -> [Data]
    {
        guard let items = answer["data"] as? [[String: Any]], !items.isEmpty else {
            throw JobRunError.permanent("\(provider) answered no image")
        }
        var images: [Data] = []
        for item in items {
            guard let text = (item["b64_json"] ?? item["url"]) as? String else {
                throw JobRunError.permanent("\(provider) answered neither b64_json nor url")
            }
            images.append(try await self.picture(text, curl: curl, provider: provider, timeout: timeout))
        }
        return images
    }

    /// A picture a provider answered as a URL to fetch, a data URI or plain base64.
    static func picture(_ text: String, curl: CurlClient, provider: String, timeout: Duration) async throws -> Data {
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            return try await self.download(curl, text, provider: provider, timeout: timeout)
        }
        let encoded =
            text.hasPrefix("data:") ? String(text[(text.firstIndex(of: ",") ?? text.startIndex)...].dropFirst()) : text
        guard !encoded.isEmpty, let data = Data(base64Encoded: encoded) else {
            throw JobRunError.permanent("\(provider) answered an image that is neither base64 nor a URL")
        }
        return data
    }
}
