import Foundation
import Hummingbird

/// BareHTTPPeer PORT BODY_FILE
/// The peer of the edge benchmark (Benchmarks/Auth/run.sh): a bare Hummingbird 2 server answering
/// GET /api/v1/me with the bytes of BODY_FILE, no authentication, no RPC, nothing else.
let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[1]), let body = FileManager.default.contents(atPath: arguments[2])
else {
    FileHandle.standardError.write(Data("usage: BareHTTPPeer PORT BODY_FILE\n".utf8))
    exit(2)
}
let bytes = ByteBuffer(bytes: body)
let router = Router()
router.get("/api/v1/me") { _, _ in
    Response(
        status: .ok, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
        body: .init(byteBuffer: bytes))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
