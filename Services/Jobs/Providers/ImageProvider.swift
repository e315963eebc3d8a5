import Curl
import Foundation

/// One AI operation at a provider: an input picture (none for a plain generation) and the step's
/// parameters in, the result's bytes out. The worker checks the bytes with ImageOps before storing
/// them, so a provider's garbage never becomes a result.
protocol ImageProvider: Sendable {
    var name: String { get }
    func run(_ operation: String, input: Data?, parameters: [String: String], isCanceled: @Sendable () -> Bool)
        async throws -> Data
}

/// Which provider serves which AI operation, from the configuration.
struct ProviderRouter: Sendable {
    private let providers: [String: any ImageProvider]

    init(_ configuration: ProviderConfiguration, curl: CurlClient) {
        var providers: [String: any ImageProvider] = [:]
        if let key = configuration.openAIKey {
            let openAI = OpenAIImages(
                baseURL: configuration.openAIBaseURL, apiKey: key, model: configuration.openAIModel,
                timeout: configuration.timeout, curl: curl)
            for operation in configuration.openAIOperations { providers[operation] = openAI }
        }
        if let token = configuration.replicateToken {
            let replicate = ReplicatePredictions(
                baseURL: configuration.replicateBaseURL, token: token, models: configuration.replicateModels,
                pollInterval: configuration.pollInterval, timeout: configuration.timeout, curl: curl)
            for operation in configuration.replicateModels.keys { providers[operation] = replicate }
        }
        if let key = configuration.runPodKey {
            let runPod = RunPodServerless(
                baseURL: configuration.runPodBaseURL, apiKey: key, endpoints: configuration.runPodEndpoints,
                pollInterval: configuration.pollInterval, timeout: configuration.timeout, curl: curl)
            for operation in configuration.runPodEndpoints.keys { providers[operation] = runPod }
        }
        self.providers = providers
    }

    func provider(for operation: String) -> (any ImageProvider)? { self.providers[operation] }
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

    /// A provider's own error text, when its body says one.
    static func message(_ response: CurlResponse) -> String {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        if let error = object?["error"] as? [String: Any], let text = error["message"] as? String {
            return String(text.prefix(300))
        }
        if let text = (object?["detail"] ?? object?["error"]) as? String { return String(text.prefix(300)) }
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

    /// One JSON call with a bearer credential, its answer checked as `check` says.
    static func call(
        _ curl: CurlClient, _ method: String, _ url: String, bearer: String, body: [UInt8]?, provider: String
    ) async throws -> [String: Any] {
        var headers = [("Authorization", "Bearer \(bearer)")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let request = CurlRequest(method: method, url: url, headers: headers, body: body ?? [], timeout: .seconds(30))
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
