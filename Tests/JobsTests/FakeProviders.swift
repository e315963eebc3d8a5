import Foundation
import HTTPTypes
import Hummingbird
import ImageSamples
import NIOConcurrencyHelpers
import TestSupport

/// An OpenAI-compatible Images API and a Replicate-style predictions API on loopback, with their
/// failure modes chosen by the prompt: "rate-limit-once" (429 with Retry-After, then an image),
/// "malformed" (200 with a body that is not JSON), "down" (503 every time), "not-an-image" (an
/// answer whose image is text). Anything else gets a real PNG made by libvips. Predictions end as
/// their model version says: "failing:…" failed with an error, "canceled:…" canceled, "slow:…"
/// processing until canceled (`POST …/cancel`, as Replicate has it); any other succeeds. RunPod
/// serverless endpoints (`/v2/{endpoint}/run`, `/status/{id}`, `/cancel/{id}`) end as their id says:
/// "failing", "timed-out", "slow" (in progress until cancelled), "missing" (404), "not-an-image",
/// "images" and "url" (other output shapes); any other completes with a data URI.
final class FakeProviders: Sendable {
    static let apiKey = "sk-test-imageswiss"
    static let token = "r8_test_imageswiss"
    static let runPodKey = "rpa_test_imageswiss"
    let port: Int
    let picture: [UInt8]
    private let calls = NIOLockedValueBox([String]())
    private let task: Task<Void, Error>
    var baseURL: String { "http://127.0.0.1:\(self.port)" }

    init() async throws {
        let port = try freePort()
        self.port = port
        let picture = try Samples.png(width: 1024, height: 768)
        self.picture = picture
        let calls = self.calls
        let polls = NIOLockedValueBox([String: Int]())
        let versions = NIOLockedValueBox([String: String]())
        let router = Router()
        router.post("/v1/images/generations") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.apiKey)" else {
                return Self.json(401, #"{"error":{"message":"bad key"}}"#)
            }
            let body =
                try JSONSerialization.jsonObject(with: Data(buffer: try await request.body.collect(upTo: 1 << 20)))
                as? [String: Any] ?? [:]
            let prompt = body["prompt"] as? String ?? ""
            let seen = calls.withLockedValue { calls -> Int in
                calls.append("generate:\(prompt)")
                return calls.filter { $0 == "generate:\(prompt)" }.count
            }
            switch prompt {
            case "rate-limit-once" where seen == 1:
                return Response(
                    status: .tooManyRequests, headers: [.retryAfter: "1", .contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"slow down"}}"#)))
            case "malformed": return Self.json(200, "this is not json")
            case "down": return Self.json(503, #"{"error":{"message":"overloaded"}}"#)
            case "not-an-image":
                return Self.json(200, #"{"data":[{"b64_json":"\#(Data("hello".utf8).base64EncodedString())"}]}"#)
            default:
                return Self.json(200, #"{"created":1,"data":[{"b64_json":"\#(Data(picture).base64EncodedString())"}]}"#)
            }
        }
        router.post("/v1/predictions") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.token)" else {
                return Self.json(401, #"{"detail":"Invalid token."}"#)
            }
            let body =
                try JSONSerialization.jsonObject(with: Data(buffer: try await request.body.collect(upTo: 64 << 20)))
                as? [String: Any] ?? [:]
            let input = body["input"] as? [String: Any] ?? [:]
            let image = (input["image"] as? String) ?? ""
            let id = "p\(UUID().uuidString.prefix(8).lowercased())"
            versions.withLockedValue { $0[id] = body["version"] as? String ?? "" }
            calls.withLockedValue {
                $0.append("predict:\(body["version"] ?? ""):\(image.hasPrefix("data:") ? "image" : "none")")
            }
            return Self.json(201, #"{"id":"\#(id)","status":"starting","output":null}"#)
        }
        router.get("/v1/predictions/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            let count = polls.withLockedValue { polls -> Int in
                polls[id, default: 0] += 1
                return polls[id]!
            }
            let version = versions.withLockedValue { $0[id] ?? "" }
            if count < 2 || version.hasPrefix("slow:") {
                return Self.json(200, #"{"id":"\#(id)","status":"processing","output":null}"#)
            }
            if version.hasPrefix("failing:") {
                return Self.json(
                    200, #"{"id":"\#(id)","status":"failed","error":"CUDA out of memory","output":null}"#)
            }
            if version.hasPrefix("canceled:") {
                return Self.json(200, #"{"id":"\#(id)","status":"canceled","output":null}"#)
            }
            return Self.json(
                200, #"{"id":"\#(id)","status":"succeeded","output":["http://127.0.0.1:\#(port)/files/\#(id).png"]}"#)
        }
        router.post("/v1/predictions/:id/cancel") { _, context -> Response in
            let id = try context.parameters.require("id")
            calls.withLockedValue { $0.append("cancel:\(versions.withLockedValue { $0[id] ?? "" })") }
            return Self.json(200, #"{"id":"\#(id)","status":"canceled","output":null}"#)
        }
        // RunPod serverless: the endpoint id says how the job ends.
        let runPodJobs = NIOLockedValueBox([String: Int]())
        router.post("/v2/:endpoint/run") { request, context -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.runPodKey)" else {
                return Self.json(401, #"{"error":"Unauthorized"}"#)
            }
            let endpoint = try context.parameters.require("endpoint")
            guard endpoint != "missing" else { return Self.json(404, #"{"error":"endpoint not found"}"#) }
            let body =
                try JSONSerialization.jsonObject(with: Data(buffer: try await request.body.collect(upTo: 64 << 20)))
                as? [String: Any] ?? [:]
            let image = ((body["input"] as? [String: Any])?["image"] as? String).flatMap { Data(base64Encoded: $0) }
            calls.withLockedValue {
                $0.append("runpod:\(endpoint):\(image == nil ? "none" : "image")")
                if let size = image.flatMap(Self.pngSize) { $0.append("runpod-input:\(endpoint):\(size)") }
            }
            return Self.json(200, #"{"id":"\#(endpoint)-\#(UUID().uuidString.prefix(8))","status":"IN_QUEUE"}"#)
        }
        // /runsync: done in the one call, except "slow", which answers its id to be polled.
        router.post("/v2/:endpoint/runsync") { request, context -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.runPodKey)" else {
                return Self.json(401, #"{"error":"Unauthorized"}"#)
            }
            let endpoint = try context.parameters.require("endpoint")
            let wait = request.uri.queryParameters["wait"].map(String.init) ?? "none"
            let body =
                try JSONSerialization.jsonObject(with: Data(buffer: try await request.body.collect(upTo: 64 << 20)))
                as? [String: Any] ?? [:]
            let input = body["input"] as? [String: Any] ?? [:]
            calls.withLockedValue {
                $0.append("runpod-sync:\(endpoint):\(wait):\(input["runsync"] == nil ? "clean" : "leaked")")
            }
            let id = "\(endpoint)-\(UUID().uuidString.prefix(8))"
            if endpoint == "slow" { return Self.json(200, #"{"id":"\#(id)","status":"IN_PROGRESS"}"#) }
            let base64 = Data(picture).base64EncodedString()
            return Self.json(
                200, #"{"id":"\#(id)","status":"COMPLETED","output":{"image":"data:image/png;base64,\#(base64)"}}"#)
        }
        router.get("/v2/:endpoint/status/:id") { request, context -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.runPodKey)" else {
                return Self.json(401, #"{"error":"Unauthorized"}"#)
            }
            let (endpoint, id) = (try context.parameters.require("endpoint"), try context.parameters.require("id"))
            let count = runPodJobs.withLockedValue { jobs -> Int in
                jobs[id, default: 0] += 1
                return jobs[id]!
            }
            let base64 = Data(picture).base64EncodedString()
            if count < 2 || endpoint == "slow" { return Self.json(200, #"{"id":"\#(id)","status":"IN_PROGRESS"}"#) }
            switch endpoint {
            case "failing":
                return Self.json(200, #"{"id":"\#(id)","status":"FAILED","error":"worker raised: CUDA error"}"#)
            case "timed-out": return Self.json(200, #"{"id":"\#(id)","status":"TIMED_OUT"}"#)
            case "not-an-image":
                return Self.json(200, #"{"id":"\#(id)","status":"COMPLETED","output":{"image":"aGVsbG8="}}"#)
            case "images":
                return Self.json(
                    200, #"{"id":"\#(id)","status":"COMPLETED","output":{"images":[{"data":"\#(base64)"}]}}"#)
            case "url":
                return Self.json(
                    200, #"{"id":"\#(id)","status":"COMPLETED","output":"http://127.0.0.1:\#(port)/files/\#(id).png"}"#)
            default:
                return Self.json(
                    200, #"{"id":"\#(id)","status":"COMPLETED","output":{"image":"data:image/png;base64,\#(base64)"}}"#)
            }
        }
        router.post("/v2/:endpoint/cancel/:id") { _, context -> Response in
            let (endpoint, id) = (try context.parameters.require("endpoint"), try context.parameters.require("id"))
            calls.withLockedValue { $0.append("runpod-cancel:\(endpoint)") }
            return Self.json(200, #"{"id":"\#(id)","status":"CANCELLED"}"#)
        }
        router.get("/files/:name") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: picture)))
        }
        self.task = try await LocalHTTPServer.start(router, port: port)
    }

    var received: [String] { self.calls.withLockedValue { $0 } }

    /// "W×H" of a PNG, from its IHDR chunk (width and height, big-endian, at bytes 16 and 20).
    static func pngSize(_ data: Data) -> String? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
        let number = { (at: Int) in bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return "\(number(16))x\(number(20))"
    }

    static func json(_ status: Int, _ body: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    func stop() { self.task.cancel() }
}
