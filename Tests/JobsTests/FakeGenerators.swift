import Foundation
import HTTPTypes
import Hummingbird
import ImageSamples
import NIOConcurrencyHelpers
import TestSupport

/// Together AI's images endpoint, Stability AI's Stable Image services and a ComfyUI server on
/// loopback, as their API references give the requests and answers. The prompt picks a failure:
/// "refuse" (a content-policy refusal: Together's error body, Stability's 403 content_moderation),
/// "filtered" (Stability's 200 with `finish-reason: CONTENT_FILTERED`), "no-funds" (402), "down"
/// (503), "rate-limit-once" (429 with Retry-After, then a picture), "malformed" (200, not JSON) and
/// "not-an-image". Anything else gets real PNGs made by libvips, of the size asked. Every call is
/// logged (`received`) with what the adapter sent, for the tests to check.
final class FakeGenerators: Sendable {
    static let togetherKey = "tgp_v1_test-imageswiss-4321"
    static let stabilityKey = "sk-stability-test-8765"
    static let replicateKey = "r8_test-imageswiss-2468"
    let port: Int
    /// Each call as JSON (what was sent), in order.
    private let calls = NIOLockedValueBox([Data]())
    private let task: Task<Void, Error>
    /// Until then every Together generation answers 503 (an outage).
    private let outage = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
    var baseURL: String { "http://127.0.0.1:\(self.port)" }

    init() async throws {
        let port = try freePort()
        self.port = port
        let calls = self.calls
        let seen = NIOLockedValueBox([String: Int]())
        let histories = NIOLockedValueBox([String: Int]())
        // ComfyUI runs whose graph asks to "explode": their history reports an execution error.
        let exploding = NIOLockedValueBox(Set<String>())
        let outage = self.outage
        let router = Router()

        /// The failure a prompt asks for, as Together (OpenAI-style error bodies) answers it.
        @Sendable func togetherFailure(_ prompt: String) -> Response? {
            let count = seen.withLockedValue { seen -> Int in
                seen[prompt, default: 0] += 1
                return seen[prompt]!
            }
            switch prompt {
            case "refuse":
                return Self.json(
                    422,
                    #"{"error":{"message":"Your request was flagged by our content policy (NSFW)","type":"invalid_request_error","code":"content_policy_violation"}}"#
                )
            case "no-funds":
                return Self.json(
                    402, #"{"error":{"message":"Insufficient balance: add credits","type":"credit_limit"}}"#)
            case "down": return Self.json(503, #"{"error":{"message":"service unavailable"}}"#)
            case "malformed": return Self.json(200, "<html>gateway</html>")
            case "rate-limit-once" where count == 1:
                return Response(
                    status: .tooManyRequests, headers: [.retryAfter: "1", .contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"rate limit"}}"#)))
            default: return nil
            }
        }

        router.post("/v1/images/generations") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.togetherKey)" else {
                return Self.json(401, #"{"error":{"message":"Invalid API key provided","type":"invalid_api_key"}}"#)
            }
            let body = try await Self.object(request)
            try Self.log(["provider": "together"].merging(body) { a, _ in a }, to: calls)
            guard body["model"] as? String != "unknown/model" else {
                return Self.json(
                    404, #"{"error":{"message":"Unable to access model unknown/model","type":"invalid_request_error"}}"#
                )
            }
            let prompt = body["prompt"] as? String ?? ""
            if let end = outage.withLockedValue({ $0 }), ContinuousClock.now < end {
                return Self.json(503, #"{"error":{"message":"service unavailable"}}"#)
            }
            if let failure = togetherFailure(prompt) { return failure }
            let (width, height) = (body["width"] as? Int ?? 1024, body["height"] as? Int ?? 1024)
            let count = body["n"] as? Int ?? 1
            let picture = prompt == "not-an-image" ? Array("hello".utf8) : try Samples.png(width: width, height: height)
            let items = (0..<count).map { index in
                #"{"index":\#(index),"b64_json":"\#(Data(picture).base64EncodedString())"}"#
            }
            return Self.json(
                200,
                #"{"id":"gen-1","model":"\#(body["model"] ?? "")","object":"list","data":[\#(items.joined(separator: ","))]}"#
            )
        }

        // Together fine-tuning: a LoRA trained in three polls (queued, running, completed), or an
        // error when the trigger word is "broken".
        let fineTunes = NIOLockedValueBox([String: (polls: Int, trigger: String)]())
        router.post("/v1/files/upload") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.togetherKey)" else {
                return Self.json(401, #"{"error":{"message":"Invalid API key provided"}}"#)
            }
            let form = try await Self.form(request)
            let zip = form["file"] ?? []
            let entries = zip.ranges(of: [0x50, 0x4B, 0x03, 0x04]).count
            try Self.log(
                [
                    "provider": "together", "upload": form["purpose"].map { String(decoding: $0, as: UTF8.self) } ?? "",
                    "zip_entries": entries,
                ], to: calls)
            return Self.json(
                200,
                #"{"id":"file-\#(UUID().uuidString.lowercased())","object":"file","purpose":"fine-tune","bytes":\#(zip.count)}"#
            )
        }
        router.post("/v1/fine-tunes") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.togetherKey)" else {
                return Self.json(401, #"{"error":{"message":"Invalid API key provided"}}"#)
            }
            let body = try await Self.object(request)
            try Self.log(["provider": "together", "fine_tune": body], to: calls)
            let id = "ft-\(UUID().uuidString.prefix(8).lowercased())"
            fineTunes.withLockedValue { $0[id] = (0, body["trigger_word"] as? String ?? "") }
            return Self.json(200, #"{"id":"\#(id)","status":"pending","model":"\#(body["model"] ?? "")"}"#)
        }
        router.get("/v1/fine-tunes/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard
                let job = fineTunes.withLockedValue({ jobs -> (polls: Int, trigger: String)? in
                    jobs[id]?.polls += 1
                    return jobs[id]
                })
            else { return Self.json(404, #"{"error":{"message":"fine-tune not found"}}"#) }
            switch job.polls {
            case 1: return Self.json(200, #"{"id":"\#(id)","status":"queued"}"#)
            case 2: return Self.json(200, #"{"id":"\#(id)","status":"running","total_steps":100,"steps_completed":40}"#)
            default:
                if job.trigger == "broken" {
                    return Self.json(
                        200, #"{"id":"\#(id)","status":"error","events":[{"message":"training diverged"}]}"#)
                }
                return Self.json(
                    200,
                    #"{"id":"\#(id)","status":"completed","model_output_name":"imageswiss/flux-lora-\#(id)","total_price":0}"#
                )
            }
        }
        router.post("/v1/fine-tunes/:id/cancel") { _, context -> Response in
            let id = try context.parameters.require("id")
            try Self.log(["provider": "together", "cancel": id], to: calls)
            return Self.json(200, #"{"id":"\#(id)","status":"cancel_requested"}"#)
        }

        // Replicate trainings: the zip as a file (POST /v1/files), a training of a trainer version,
        // starting → processing → succeeded with output.version (failed when the trigger word is "broken").
        let trainings = NIOLockedValueBox([String: (polls: Int, trigger: String)]())
        router.post("/v1/files") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.replicateKey)" else {
                return Self.json(
                    401,
                    #"{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}"#
                )
            }
            let form = try await Self.form(request)
            let zip = form["content"] ?? []
            try Self.log(
                [
                    "provider": "replicate", "upload": zip.count,
                    "zip_entries": zip.ranges(of: [0x50, 0x4B, 0x03, 0x04]).count,
                ],
                to: calls)
            let id = "file-\(UUID().uuidString.prefix(8).lowercased())"
            return Self.json(
                201,
                #"{"id":"\#(id)","name":"photos.zip","content_type":"application/zip","size":\#(zip.count),"urls":{"get":"https://api.replicate.com/v1/files/\#(id)"}}"#
            )
        }
        router.post("/v1/models/:owner/:name/versions/:version/trainings") { request, context -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.replicateKey)" else {
                return Self.json(401, #"{"title":"Unauthenticated","status":401}"#)
            }
            let body = try await Self.object(request)
            let trainer =
                "\(try context.parameters.require("owner"))/\(try context.parameters.require("name")):\(try context.parameters.require("version"))"
            try Self.log(["provider": "replicate", "training": body, "trainer": trainer], to: calls)
            guard (body["destination"] as? String)?.contains("/") == true else {
                return Self.json(422, #"{"title":"Invalid destination","status":422}"#)
            }
            let id = "tr\(UUID().uuidString.prefix(8).lowercased())"
            let trigger = (body["input"] as? [String: Any])?["trigger_word"] as? String ?? ""
            trainings.withLockedValue { $0[id] = (0, trigger) }
            return Self.json(201, #"{"id":"\#(id)","status":"starting","version":"\#(trainer)"}"#)
        }
        router.get("/v1/trainings/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard
                let training = trainings.withLockedValue({ all -> (polls: Int, trigger: String)? in
                    all[id]?.polls += 1
                    return all[id]
                })
            else { return Self.json(404, #"{"title":"Not found","status":404}"#) }
            switch training.polls {
            case 1: return Self.json(200, #"{"id":"\#(id)","status":"processing"}"#)
            default:
                if training.trigger == "broken" {
                    return Self.json(200, #"{"id":"\#(id)","status":"failed","error":"training diverged at step 120"}"#)
                }
                return Self.json(
                    200,
                    #"{"id":"\#(id)","status":"succeeded","output":{"version":"operator/personal:v\#(id)","weights":"https://replicate.delivery/x.tar"}}"#
                )
            }
        }
        router.post("/v1/trainings/:id/cancel") { _, context -> Response in
            let id = try context.parameters.require("id")
            try Self.log(["provider": "replicate", "cancel": id], to: calls)
            return Self.json(200, #"{"id":"\#(id)","status":"canceled"}"#)
        }

        router.post("/v2beta/stable-image/:group/:service") { request, context -> Response in
            guard request.headers[.authorization] == "Bearer \(Self.stabilityKey)" else {
                return Self.json(401, #"{"id":"a1","name":"unauthorized","errors":["authorization: invalid API key"]}"#)
            }
            let service = "\(try context.parameters.require("group"))/\(try context.parameters.require("service"))"
            let form = try await Self.form(request)
            let prompt = form["prompt"].map { String(decoding: $0, as: UTF8.self) } ?? ""
            var logged: [String: Any] = ["provider": "stability", "service": service]
            for (name, value) in form {
                logged[name] =
                    ["image", "mask"].contains(name) ? "\(value.count) bytes" : String(decoding: value, as: UTF8.self)
            }
            try Self.log(logged, to: calls)
            switch prompt {
            case "refuse":
                return Self.json(
                    403,
                    #"{"id":"b2","name":"content_moderation","errors":["Your request was flagged by our content moderation system"]}"#
                )
            case "no-funds":
                return Self.json(
                    402, #"{"id":"c3","name":"payment_required","errors":["You lack sufficient credits"]}"#)
            case "down": return Self.json(500, #"{"id":"d4","name":"internal_error","errors":["an unexpected error"]}"#)
            default: break
            }
            guard
                [
                    "generate/core", "generate/ultra", "generate/sd3", "edit/remove-background", "upscale/fast",
                    "edit/search-and-replace", "edit/erase",
                ].contains(
                    service)
            else { return Self.json(404, #"{"id":"e5","name":"not_found","errors":["unknown service"]}"#) }
            if service.hasPrefix("edit/") || service.hasPrefix("upscale/"), form["image"] == nil {
                return Self.json(400, #"{"id":"f6","name":"bad_request","errors":["image: required"]}"#)
            }
            let picture = try Samples.png(width: 896, height: 640)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "image/png",
                    HTTPField.Name("finish-reason")!: prompt == "filtered" ? "CONTENT_FILTERED" : "SUCCESS",
                    HTTPField.Name("seed")!: "42",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: picture)))
        }

        // ComfyUI: a prompt id per queued graph; the history is empty on the first poll.
        router.post("/upload/image") { request, _ -> Response in
            let form = try await Self.form(request)
            try Self.log(["provider": "comfyui", "upload": "\(form["image"]?.count ?? 0) bytes"], to: calls)
            return Self.json(200, #"{"name":"input-1.png","subfolder":"","type":"input"}"#)
        }
        router.post("/prompt") { request, _ -> Response in
            let body = try await Self.object(request)
            let graph = body["prompt"] as? [String: Any] ?? [:]
            let text = String(decoding: try JSONSerialization.data(withJSONObject: graph), as: UTF8.self)
            try Self.log(["provider": "comfyui", "graph": graph], to: calls)
            guard !graph.isEmpty, !text.contains("{{") else {
                return Self.json(
                    400,
                    #"{"error":{"type":"prompt_outputs_failed_validation","message":"Prompt outputs failed validation","details":"","extra_info":{}},"node_errors":{}}"#
                )
            }
            let id = UUID().uuidString.lowercased()
            if text.contains("explode") { _ = exploding.withLockedValue { $0.insert(id) } }
            return Self.json(200, #"{"prompt_id":"\#(id)","number":1,"node_errors":{}}"#)
        }
        router.get("/history/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            let polls = histories.withLockedValue { histories -> Int in
                histories[id, default: 0] += 1
                return histories[id]!
            }
            guard polls > 1 else { return Self.json(200, "{}") }
            if exploding.withLockedValue({ $0.contains(id) }) {
                return Self.json(
                    200,
                    #"{"\#(id)":{"prompt":[1,"\#(id)",{},{},["9"]],"outputs":{},"status":{"status_str":"error","completed":false,"messages":[["execution_start",{"prompt_id":"\#(id)"}],["execution_error",{"prompt_id":"\#(id)","node_id":"3","node_type":"KSampler","exception_message":"CUDA out of memory","exception_type":"torch.OutOfMemoryError"}]]}}}"#
                )
            }
            return Self.json(
                200,
                #"{"\#(id)":{"prompt":[1,"\#(id)",{},{},["9"]],"outputs":{"9":{"images":[{"filename":"ComfyUI_00001_.png","subfolder":"","type":"output"}]},"5":{"images":[{"filename":"preview.png","subfolder":"","type":"temp"}]}},"status":{"status_str":"success","completed":true,"messages":[]}}}"#
            )
        }
        router.get("/view") { request, _ -> Response in
            try Self.log(["provider": "comfyui", "view": request.uri.query ?? ""], to: calls)
            return Response(
                status: .ok, headers: [.contentType: "image/png"],
                body: .init(byteBuffer: ByteBuffer(bytes: try Samples.png(width: 1024, height: 1024))))
        }
        self.task = try await LocalHTTPServer.start(router, port: port)
    }

    /// Every call, with what was sent.
    var received: [[String: Any]] {
        self.calls.withLockedValue { $0 }.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }

    private static func log(_ call: [String: Any], to calls: NIOLockedValueBox<[Data]>) throws {
        let data = try JSONSerialization.data(withJSONObject: call)
        calls.withLockedValue { $0.append(data) }
    }

    func stop() { self.task.cancel() }

    /// Every Together generation fails with 503 for `duration` from now.
    func outage(for duration: Duration) { self.outage.withLockedValue { $0 = .now + duration } }

    func calls(to provider: String) -> [[String: Any]] {
        self.received.filter { $0["provider"] as? String == provider }
    }

    static func json(_ status: Int, _ body: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func object(_ request: Request) async throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: try await request.body.collect(upTo: 64 << 20)))
            as? [String: Any] ?? [:]
    }

    /// The parts of a multipart/form-data body by name.
    static func form(_ request: Request) async throws -> [String: [UInt8]] {
        let type = request.headers[.contentType] ?? ""
        guard let range = type.range(of: "boundary=") else { return [:] }
        let boundary = Array("--\(type[range.upperBound...])".utf8)
        let body = Array(buffer: try await request.body.collect(upTo: 64 << 20))
        var parts: [String: [UInt8]] = [:]
        for chunk in body.split(separator: boundary) {
            guard let split = chunk.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: chunk[chunk.startIndex..<split.lowerBound], as: UTF8.self)
            guard let name = head.range(of: "name=\"").map({ head[$0.upperBound...].prefix { $0 != "\"" } }) else {
                continue
            }
            var value = Array(chunk[split.upperBound...])
            if value.suffix(2) == [13, 10] { value.removeLast(2) }
            parts[String(name)] = value
        }
        return parts
    }
}
