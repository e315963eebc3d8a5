import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RPC

/// A server that greets like ours and answers every call's HEADERS with GOAWAY(last_call_id 0) and a
/// close: the client learns the call never ran, as when a draining server and a new call cross.
struct GoAwayServer {
    let channel: any Channel
    let port: Int
    let refusedCalls: NIOLockedValueBox<Int>

    static func start() async throws -> GoAwayServer {
        let refused = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(Refuser(refused: refused))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return GoAwayServer(channel: channel, port: channel.localAddress!.port!, refusedCalls: refused)
    }

    private final class Refuser: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let refused: NIOLockedValueBox<Int>
        init(refused: NIOLockedValueBox<Int>) { self.refused = refused }

        func channelActive(context: ChannelHandlerContext) {
            var hello = RPCHello()
            hello.version = FrameLayout.version
            hello.maxFrameSize = 1 << 20
            context.writeAndFlush(
                Self.wrapOutboundOut(
                    ByteBuffer(bytes: frameBytes(1, callID: 0, payload: try! hello.serializedBytes()))),
                promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Self.unwrapInboundIn(data)
            // The client's HELLO comes first; any frame of type HEADERS (2) after it is a call.
            guard bytes.readableBytesView.count > 4, containsHeaders(bytes) else { return }
            self.refused.withLockedValue { $0 += 1 }
            var goAway = RPCGoAway()
            goAway.lastCallID = 0
            goAway.reason = "draining"
            context.writeAndFlush(
                Self.wrapOutboundOut(
                    ByteBuffer(bytes: frameBytes(7, callID: 0, payload: try! goAway.serializedBytes()))),
                promise: nil)
            context.close(promise: nil)
        }

        /// Walks the frames in one read (enough here: the client writes small frames at once).
        private func containsHeaders(_ buffer: ByteBuffer) -> Bool {
            var buffer = buffer
            while let length = buffer.readInteger(as: UInt32.self), let type = buffer.readInteger(as: UInt8.self) {
                if type == 2 { return true }
                buffer.moveReaderIndex(forwardBy: min(buffer.readableBytes, 5 + Int(length)))
            }
            return false
        }
    }
}
