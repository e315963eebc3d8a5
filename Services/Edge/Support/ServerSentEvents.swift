import HTTPTypes
import Hummingbird
import ImageSwissProtos
import NIOCore
import RPC

/// Server-Sent Events from a Jobs stream (a job's or a batch's progress). The first message is read
/// before answering, so an unknown id is the RPC's 404, not an empty stream; each later message is
/// written as it arrives, until the stream ends.
enum ServerSentEvents {
    static let headers: HTTPFields = [
        .contentType: "text/event-stream", .cacheControl: "no-cache", .xContentTypeOptions: "nosniff",
    ]

    static func response<Message: SwiftProtobufMessage>(
        _ stream: RPCResponseStream<Message>, events: @escaping @Sendable (Message) throws -> ByteBuffer
    ) async throws -> Response {
        let cursor = StreamCursor(stream.makeAsyncIterator())
        guard let first = try await cursor.next() else {
            throw EdgeError(.badGateway, "jobs_failed", "jobs sent no event")
        }
        return Response(
            status: .ok, headers: Self.headers,
            body: ResponseBody { writer in
                var message: Message? = first
                while let current = message {
                    try await writer.write(try events(current))
                    message = try await cursor.next()
                }
                try await writer.finish(nil)
            })
    }

    /// One message: `event: <name>`, the value as JSON on one data line.
    static func event(_ name: String, _ value: some Encodable) throws -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: \(name)\ndata: ")
        var json = try JSONAnswer.encode(value)
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }
}
