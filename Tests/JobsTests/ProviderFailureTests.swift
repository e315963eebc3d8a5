import Curl
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import TestSupport
import Testing

@testable import Jobs

/// Every adapter, one by one, against a provider that answers each failure a real one gives: a
/// wrong key (401), no funds (402), an unknown model (404), rate limiting with Retry-After (429),
/// an outage (503), no answer in time, a body that is not JSON, a content-policy refusal. Each
/// must come out as the run error the queue acts on — final, or worth another attempt and when —
/// with the provider's reason. (Pictures that are not pictures are ImageOps' to refuse: the stack
/// tests send them through the worker.)
@Suite struct ProviderFailureTests {
    /// What the queue does with a failure.
    enum Expected: Equatable {
        /// Fails the job now, its reason containing this.
        case final(String)
        /// Retried later; after this long when the provider said.
        case retried(String, after: Duration?)
    }

    static let failures: [(mode: String, expected: Expected)] = [
        ("401", .final("(401)")),
        ("402", .final("no funds left (402)")),
        ("404", .final("(404)")),
        ("429", .retried("rate limiting (429)", after: .seconds(7))),
        ("503", .retried("failed with 503", after: nil)),
        ("silent", .retried("unreachable", after: nil)),
        ("malformed", .final("not a JSON object")),
        ("refused", .final(JobRunError.contentRefused)),
    ]

    @Test func everyAdapterTurnsEachFailureIntoTheRightRunError() async throws {
        let server = try await HostileProvider()
        defer { server.stop() }
        let curl = CurlClient(threads: 2)
        let url = server.baseURL
        let adapters: [(any ImageProvider, reference: String)] = [
            (OpenAIImages(baseURL: url, apiKey: "sk", timeout: .seconds(1), curl: curl), "gpt-image-1"),
            (
                ReplicatePredictions(
                    baseURL: url, token: "r8", pollInterval: .milliseconds(20), timeout: .seconds(1), curl: curl),
                "0123abcd"
            ),
            (
                RunPodServerless(
                    baseURL: url, apiKey: "rpa", pollInterval: .milliseconds(20), timeout: .seconds(1), curl: curl),
                "endpoint1"
            ),
            (TogetherImages(baseURL: url, apiKey: "tgp", timeout: .seconds(1), curl: curl), "flux"),
            (StabilityImages(baseURL: url, apiKey: "sk", timeout: .seconds(1), curl: curl), "generate/core"),
            (
                ComfyUIWorkflow(
                    baseURL: url, token: nil, pollInterval: .milliseconds(20), timeout: .seconds(1), curl: curl),
                #"{"1":{"class_type":"CLIPTextEncode","inputs":{"text":"{{prompt}}"}}}"#
            ),
        ]
        for (adapter, reference) in adapters {
            for (mode, expected) in Self.failures {
                server.mode.withLockedValue { $0 = mode }
                let request = ProviderRequest(
                    operation: "generation", reference: reference, input: nil, parameters: ["prompt": "a cat"])
                let outcome = await Self.outcome { _ = try await adapter.run(request, isCanceled: { false }) }
                Self.check(outcome, expected: Self.expectation(adapter.name, mode, expected), "\(adapter.name) \(mode)")
            }
        }
        // Trainers start with an upload and a JSON call; a training's own timeout is the job's.
        let trainers: [(any ModelTrainer, reference: String, parameters: [String: String])] = [
            (TogetherFineTuning(baseURL: url, apiKey: "tgp", curl: curl), "black-forest-labs/FLUX.1-dev", [:]),
            (
                ReplicateTrainings(baseURL: url, token: "r8", curl: curl), "me/lora-trainer:0123abcd",
                ["destination": "me/rex"]
            ),
        ]
        for (trainer, reference, parameters) in trainers {
            for (mode, expected) in Self.failures where mode != "silent" {
                server.mode.withLockedValue { $0 = mode }
                let request = TrainingRequest(
                    reference: reference, parameters: parameters, photosZip: Data("zip".utf8), triggerWord: "ohwx",
                    suffix: "job1")
                let outcome = await Self.outcome { _ = try await trainer.start(request) }
                Self.check(outcome, expected: expected, "\(trainer.name) trainer \(mode)")
            }
        }
        #expect(server.requests.withLockedValue { $0 } > 50, "the failures were the server's answers")
    }

    /// Where an adapter's contract differs from the rule: Stability answers the picture itself (a
    /// 200 body that is not JSON is handed to ImageOps, which refuses it), and ComfyUI has no
    /// content policy — any 400 means it will not run the workflow.
    static func expectation(_ adapter: String, _ mode: String, _ expected: Expected) -> Expected? {
        switch (adapter, mode) {
        case ("stability", "malformed"): nil
        case ("comfyui", "refused"): .final("comfyui refused the workflow")
        default: expected
        }
    }

    static func outcome(_ body: () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    static func check(_ outcome: Result<Void, any Error>, expected: Expected?, _ what: String) {
        guard let expected else {
            #expect(throws: Never.self, "\(what): passed on for ImageOps' check") { try outcome.get() }
            return
        }
        guard case .failure(let error) = outcome, let run = error as? JobRunError else {
            Issue.record("\(what): expected a run error, got \(outcome)")
            return
        }
        switch expected {
        case .final(let reason):
            #expect(!run.retryable && run.description.contains(reason), "\(what): \(run)")
        case .retried(let reason, let after):
            #expect(run.retryable && run.description.contains(reason), "\(what): \(run)")
            if let after {
                #expect(run.retryAfter == after, "\(what): retry after \(String(describing: run.retryAfter))")
            }
        }
    }
}

/// Answers every request, whatever its path, with the failure `mode` names.
final class HostileProvider: Sendable {
    let mode = NIOLockedValueBox("503")
    let requests = NIOLockedValueBox(0)
    let port: Int
    private let task: Task<Void, any Error>
    var baseURL: String { "http://127.0.0.1:\(self.port)" }

    init() async throws {
        let port = try freePort()
        self.port = port
        let (mode, requests) = (self.mode, self.requests)
        let router = Router()
        let answer = { @Sendable (request: Request, _: BasicRequestContext) async throws -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            requests.withLockedValue { $0 += 1 }
            return try await Self.answer(mode.withLockedValue { $0 })
        }
        router.get("**", use: answer)
        router.post("**", use: answer)
        self.task = try await LocalHTTPServer.start(router, port: port)
    }

    func stop() { self.task.cancel() }

    static func answer(_ mode: String) async throws -> Response {
        switch mode {
        case "401": return Self.json(.unauthorized, #"{"error":{"message":"Incorrect API key provided"}}"#)
        case "402": return Self.json(.init(code: 402), #"{"error":{"message":"insufficient credits"}}"#)
        case "404": return Self.json(.notFound, #"{"error":{"message":"model not found"}}"#)
        case "429":
            var response = Self.json(.tooManyRequests, #"{"error":{"message":"rate limit exceeded"}}"#)
            response.headers[.retryAfter] = "7"
            return response
        case "silent":
            try await Task.sleep(for: .seconds(3))
            return Self.json(.ok, "{}")
        case "malformed": return Self.json(.ok, "<html>gateway</html>")
        case "refused":
            return Self.json(
                .badRequest,
                #"{"error":{"code":"content_policy_violation","message":"Your request was rejected by our safety system"}}"#
            )
        default: return Self.json(.serviceUnavailable, #"{"error":{"message":"overloaded"}}"#)
        }
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
