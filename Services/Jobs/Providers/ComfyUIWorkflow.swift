import Curl
import Foundation

/// A self-hosted ComfyUI server: the model's reference is a workflow in ComfyUI's API format (the
/// node graph "Save (API)" writes), whose inputs name what we fill as whole-string placeholders:
/// "{{prompt}}", "{{negative_prompt}}", "{{seed}}", "{{width}}", "{{height}}", "{{count}}" and
/// "{{image}}" (the input picture, sent first by `POST /upload/image`). The graph is queued by
/// `POST /prompt`, `GET /history/{prompt_id}` is polled until it holds the run, and every output
/// image it lists is fetched from `GET /view`. A cancel deletes the prompt from the queue and
/// interrupts it if it is running.
struct ComfyUIWorkflow: ImageProvider {
    let baseURL: String
    /// A bearer token, when the server sits behind a proxy that asks for one.
    let token: String?
    let pollInterval: Duration
    let timeout: Duration
    let curl: CurlClient
    var name: String { "comfyui" }

    func run(_ request: ProviderRequest, isCanceled: @Sendable () -> Bool) async throws -> ProviderAnswer {
        guard let workflow = try? JSONSerialization.jsonObject(with: Data(request.reference.utf8)) as? [String: Any]
        else { throw JobRunError.permanent("comfyui: the model's workflow is not a JSON object") }
        var values = try await self.values(request)
        if let input = request.input { values["image"] = try await self.upload(input) }
        let graph = Self.fill(workflow, values) as? [String: Any] ?? workflow
        let queued = try await self.call(
            "POST", "/prompt",
            body: try JSONSerialization.data(withJSONObject: ["prompt": graph, "client_id": "imageswiss"]))
        let id = try ProviderPolling.id(queued, key: "prompt_id", provider: self.name)
        let entry = try await ProviderPolling.wait(
            provider: self.name, first: [:], interval: self.pollInterval, timeout: self.timeout,
            isCanceled: isCanceled,
            state: { entry in
                guard let status = entry["status"] as? [String: Any] else { return .running }
                switch status["status_str"] as? String {
                case "success" where status["completed"] as? Bool ?? true: return .succeeded
                case "error": return .failed(Self.failure(status))
                default: return .running
                }
            },
            poll: { try await self.call("GET", "/history/\(id)", body: nil)[id] as? [String: Any] ?? [:] },
            cancel: {
                _ = try? await self.call(
                    "POST", "/queue", body: try JSONSerialization.data(withJSONObject: ["delete": [id]]))
                _ = try? await self.call(
                    "POST", "/interrupt", body: try JSONSerialization.data(withJSONObject: ["prompt_id": id]))
            })
        return ProviderAnswer(images: try await self.outputs(entry))
    }

    /// What the placeholders stand for in this run.
    private func values(_ request: ProviderRequest) async throws -> [String: Any] {
        let size = AspectRatios.size(request.parameters)
        var values: [String: Any] = [
            "prompt": request.parameters["prompt"] ?? OpenAIImages.defaultPrompt(request.operation),
            "negative_prompt": request.parameters["negative_prompt"] ?? "",
            "seed": Int(request.parameters["seed"] ?? "") ?? Int.random(in: 0..<(1 << 32)),
            "width": size.width, "height": size.height, "count": request.count,
        ]
        for (name, value) in request.parameters where values[name] == nil { values[name] = value }
        return values
    }

    /// The graph with every string input that is exactly "{{name}}" replaced by the value of name.
    static func fill(_ node: Any, _ values: [String: Any]) -> Any {
        switch node {
        case let text as String where text.hasPrefix("{{") && text.hasSuffix("}}"):
            return values[String(text.dropFirst(2).dropLast(2))] ?? text
        case let object as [String: Any]: return object.mapValues { self.fill($0, values) }
        case let list as [Any]: return list.map { self.fill($0, values) }
        default: return node
        }
    }

    private func upload(_ input: Data) async throws -> String {
        let form = MultipartForm()
        form.file("image", filename: "imageswiss-\(UUID().uuidString).png", contentType: "image/png", data: input)
        form.field("overwrite", "true")
        let answer = try await ProviderHTTP.upload(
            self.curl, self.baseURL + "/upload/image", form: form, bearer: self.token, provider: self.name,
            timeout: .seconds(60))
        guard let name = answer["name"] as? String else {
            throw JobRunError.permanent("comfyui answered an upload without a name")
        }
        let subfolder = answer["subfolder"] as? String ?? ""
        return subfolder.isEmpty ? name : "\(subfolder)/\(name)"
    }

    /// Every output picture the run's history lists (type "output"; previews are skipped).
    private func outputs(_ entry: [String: Any]) async throws -> [Data] {
        let nodes = (entry["outputs"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }
        var images: [Data] = []
        for (_, node) in nodes {
            for image in (node as? [String: Any])?["images"] as? [[String: Any]] ?? [] {
                guard (image["type"] as? String ?? "output") == "output", let file = image["filename"] as? String
                else { continue }
                var query = URLComponents()
                query.queryItems = [
                    URLQueryItem(name: "filename", value: file),
                    URLQueryItem(name: "subfolder", value: image["subfolder"] as? String ?? ""),
                    URLQueryItem(name: "type", value: "output"),
                ]
                images.append(
                    try await ProviderHTTP.download(
                        self.curl, self.baseURL + "/view?" + (query.percentEncodedQuery ?? ""), provider: self.name,
                        timeout: self.timeout))
            }
        }
        guard !images.isEmpty else { throw JobRunError.permanent("comfyui's run has no output image") }
        return images
    }

    private func call(_ method: String, _ path: String, body: Data?) async throws -> [String: Any] {
        var headers: [(String, String)] = []
        if body != nil { headers.append(("Content-Type", "application/json")) }
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let request = CurlRequest(
            method: method, url: self.baseURL + path, headers: headers, body: body.map(Array.init) ?? [],
            timeout: min(self.timeout, ProviderHTTP.callTimeout))
        let response = try await ProviderHTTP.send(self.curl, request, provider: self.name)
        if response.status == 400 {
            // A workflow ComfyUI will not run (a missing node or model): never worth another attempt.
            throw JobRunError.permanent("comfyui refused the workflow: \(ProviderHTTP.message(response))")
        }
        return try ProviderHTTP.check(response, provider: self.name)
    }

    /// The error message of a failed run, from its status messages.
    static func failure(_ status: [String: Any]) -> String {
        for message in status["messages"] as? [[Any]] ?? [] where message.first as? String == "execution_error" {
            if let details = message.last as? [String: Any], let text = details["exception_message"] as? String {
                return text
            }
        }
        return "the workflow failed"
    }
}
