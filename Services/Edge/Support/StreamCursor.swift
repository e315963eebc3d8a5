import ImageSwissProtos
import RPC

/// Hands a stream's iterator from the route (which reads the first message) to the response body
/// writer (which reads the rest). Never used from two tasks at once: the writer runs after the
/// route returned.
final class StreamCursor<Element: SwiftProtobufMessage>: @unchecked Sendable {
    private var iterator: RPCResponseStream<Element>.AsyncIterator

    init(_ iterator: RPCResponseStream<Element>.AsyncIterator) { self.iterator = iterator }

    func next() async throws -> Element? { try await self.iterator.next() }
}
