import Curl
import Foundation
import HTTPTypes
import Hummingbird
import TestSupport
import Testing

@Suite("libcurl client")
struct CurlClientTests {
    /// A local server: echoes POST bodies, serves 1 MiB, redirects.
    static func server() async throws -> (port: Int, task: Task<Void, Error>) {
        let port = try freePort()
        let router = Router()
        router.post("/echo") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            return Response(
                status: .created,
                headers: [.contentType: "text/plain", HTTPField.Name("X-Seen-Method")!: request.method.rawValue],
                body: .init(byteBuffer: body))
        }
        router.get("/big") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 0x61, count: 1 << 20)))
        }
        router.get("/redirect") { _, _ in Response(status: .found, headers: [.location: "http://127.0.0.1:\(port)/big"])
        }
        let task = try await LocalHTTPServer.start(router, port: port)
        return (port, task)
    }

    @Test func requestsCarryMethodHeadersAndBody() async throws {
        let (port, task) = try await Self.server()
        defer { task.cancel() }
        let client = CurlClient()
        let response = try await client.send(
            CurlRequest(
                method: "POST", url: "http://127.0.0.1:\(port)/echo",
                headers: [("Content-Type", "application/json")], body: Array(#"{"a":1}"#.utf8)))
        #expect(response.status == 201)
        #expect(response.body == Array(#"{"a":1}"#.utf8))
        #expect(response.headers["x-seen-method"] == "POST" && response.headers["content-type"] == "text/plain")
    }

    @Test func limitsAndRefusalsAreClearErrors() async throws {
        let (port, task) = try await Self.server()
        defer { task.cancel() }
        // Responses over the cap abort the transfer.
        let small = CurlClient(maxResponseBytes: 1000)
        await #expect(throws: CurlError.self) { try await small.send(CurlRequest(url: "http://127.0.0.1:\(port)/big")) }
        // Redirects are answered, never followed.
        let redirect = try await CurlClient().send(CurlRequest(url: "http://127.0.0.1:\(port)/redirect"))
        #expect(redirect.status == 302 && redirect.body.isEmpty)
        // Only http and https: no file://, no gopher://.
        await #expect(throws: CurlError.self) { try await CurlClient().send(CurlRequest(url: "file:///etc/passwd")) }
        // Nobody listening.
        let closed = try freePort()
        await #expect(throws: CurlError.self) {
            try await CurlClient().send(CurlRequest(url: "http://127.0.0.1:\(closed)/", timeout: .seconds(2)))
        }
    }
}
