import Logging
import NIOCore

/// Calls answered by a router in this process, without sockets or frames, as grpc-swift-2's
/// in-process transport does for tests: a service and its caller run in one test process. A call
/// sees what it would over TCP — its metadata, its deadline (the handler is cancelled at it), errors
/// encoded to the wire status and decoded back — but nothing of the network: no frame limits, no
/// retries, no reconnects.
struct InProcessTransport: Sendable {
    let router: RPCRouter
    let logger: Logger

    func unary(
        path: String, payload: ByteBuffer, metadata: RPCMetadata, deadline: NIODeadline, collector: RPCTrailers?
    ) async throws -> ByteBuffer {
        guard case .unary(let body) = self.router.handler(for: path) else {
            throw RPCError(.unimplemented, "unknown method \(path)")
        }
        let context = self.context(path, metadata, deadline)
        // As over the wire: the handler's own calls collect nothing into its caller's collector.
        let trailers = RPCTrailers()
        let response = try await RPCTrailers.$collected.withValue(nil) {
            try await RPCTrailers.$response.withValue(trailers) {
                try await Self.withDeadline(deadline) {
                    try await Self.asOverTheWire { try await body(payload, context) }
                }
            }
        }
        collector?.merge(trailers.values)
        return ByteBuffer(bytes: response)
    }

    func serverStreaming(path: String, payload: ByteBuffer, metadata: RPCMetadata, deadline: NIODeadline)
        -> AsyncThrowingStream<ByteBuffer, any Error>
    {
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream(bufferingPolicy: .unbounded)
        guard case .serverStreaming(let body) = self.router.handler(for: path) else {
            continuation.finish(throwing: RPCError(.unimplemented, "unknown method \(path)"))
            return stream
        }
        let context = self.context(path, metadata, deadline)
        let task = Task {
            do {
                try await Self.withDeadline(deadline) {
                    try await Self.asOverTheWire {
                        try await body(payload, context, RawStreamWriter { continuation.yield(ByteBuffer(bytes: $0)) })
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func context(_ path: String, _ metadata: RPCMetadata, _ deadline: NIODeadline) -> RPCServerContext {
        var logger = self.logger
        logger[metadataKey: "method"] = "\(path)"
        if let requestID = metadata.requestID { logger[metadataKey: RPCMetadata.requestID] = "\(requestID)" }
        return RPCServerContext(
            method: path, metadata: metadata, deadline: deadline, logger: logger, remoteAddress: "in-process")
    }

    /// A handler's error as the client would decode it from the call's STATUS frame.
    private static func asOverTheWire<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw RPCError(wireStatus: RPCError.from(handlerError: error).wireStatus)
        }
    }

    /// Runs `body`, cancelled and answered DEADLINE_EXCEEDED when the deadline comes first.
    private static func withDeadline<T: Sendable>(
        _ deadline: NIODeadline, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                let remaining = deadline - .now()
                if remaining > .zero { try await Task.sleep(for: .nanoseconds(remaining.nanoseconds)) }
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw RPCError(.deadlineExceeded, "deadline exceeded")
            }
            return value
        }
    }
}
